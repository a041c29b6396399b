-- STDDEV_SAMP keeps a STRUCT per group (sum, count, M2) in the source's value format, as
-- ksqlDB does: DELIMITED cannot hold it, so ksqlDB refuses the function.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, STDDEV_SAMP(v) AS sd FROM s GROUP BY id;
