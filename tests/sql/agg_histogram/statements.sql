-- HISTOGRAM maps each distinct string of a group to its count. A NULL is counted too, under a NULL
-- key, which JSON writes as "null" (ksqlDB's HashMap-based histogram counts NULLs, see its
-- HistogramUdafTest; one NULL per group here, as ksqlDB's JSON state store reads a NULL key back as
-- the string "null").
CREATE STREAM clicks (id STRING KEY, page STRING, colour STRING)
  WITH (kafka_topic='clicks', value_format='JSON');

CREATE TABLE colours AS
  SELECT page, HISTOGRAM(colour) AS counts
  FROM clicks
  GROUP BY page;
