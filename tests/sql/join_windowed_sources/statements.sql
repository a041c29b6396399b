-- Joins of windowed sources: records join when key and window are equal (a time window's start;
-- a session's start and end), within the stream-stream window; the output is windowed as the
-- first source, its window bounds selectable. A join of differently windowed sources, or on a
-- windowed source's value column, is refused as ksqlDB refuses it.
CREATE STREAM clicks_per_min (page STRING KEY, clicks BIGINT)
  WITH (kafka_topic='clicks_per_min', value_format='JSON', WINDOW_TYPE='TUMBLING',
        WINDOW_SIZE='1 MINUTE');
CREATE STREAM views_per_min (page STRING KEY, views BIGINT)
  WITH (kafka_topic='views_per_min', value_format='JSON', WINDOW_TYPE='TUMBLING',
        WINDOW_SIZE='1 MINUTE');

CREATE STREAM ctr_per_min AS
  SELECT c.page AS page, c.WINDOWSTART AS minute, c.clicks, v.views
  FROM clicks_per_min c JOIN views_per_min v WITHIN 1 HOUR ON c.page = v.page;
