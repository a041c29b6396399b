-- Seed 004's page views by page group: a stream LEFT JOIN a table, grouped by a column of the
-- table (three stages: each side repartitioned by the join key, the join, the joined rows
-- repartitioned by the group). A view of an unknown page has a NULL group and counts nowhere; a
-- page that moves to another group sends its later views there.
CREATE STREAM pageviews_stream (viewtime BIGINT, userid STRING, pageid STRING)
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=2);
CREATE TABLE pages_table (page_id STRING PRIMARY KEY, page_group STRING)
  WITH (kafka_topic='pages', value_format='JSON');

CREATE TABLE PAGEVIEWS_BY_PAGEGROUP_TABLE AS
SELECT
    pt.page_group as key,
    CAST(pt.page_group AS STRING) AS page_group,
    COUNT(*) AS count_view
FROM pageviews_stream pvs
LEFT JOIN pages_table pt ON pt.page_id = pvs.pageid
GROUP BY pt.page_group
EMIT CHANGES;
