-- STDDEV_POP keeps a STRUCT per group in the source's value format: refused over DELIMITED.
CREATE STREAM s (id STRING KEY, v DOUBLE) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, STDDEV_POP(v) AS sd FROM s GROUP BY id;
