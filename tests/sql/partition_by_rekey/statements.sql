-- PARTITION BY moves a value column into the key; the old key moves into the value.
CREATE STREAM clicks (user_id STRING KEY, page STRING, ms BIGINT)
  WITH (kafka_topic='clicks', value_format='DELIMITED');

CREATE STREAM clicks_by_page AS SELECT * FROM clicks PARTITION BY page;
