-- COLLECT_LIST keeps an ARRAY per group in the source's value format: refused over DELIMITED.
CREATE STREAM s (id STRING KEY, name STRING) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, COLLECT_LIST(name) AS names FROM s GROUP BY id;
