-- TOPKDISTINCT keeps an ARRAY per group in the source's value format: refused over DELIMITED.
CREATE STREAM s (id STRING KEY, name STRING) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, TOPKDISTINCT(name, 2) AS top2 FROM s GROUP BY id;
