-- SUM_LIST takes an ARRAY of INT, BIGINT or DOUBLE only.
CREATE STREAM s (id STRING KEY, g STRING, names ARRAY<STRING>)
  WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT g, SUM_LIST(names) AS total FROM s GROUP BY g;
