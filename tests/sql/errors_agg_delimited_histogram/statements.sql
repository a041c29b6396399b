-- HISTOGRAM keeps a MAP per group in the source's value format: refused over DELIMITED.
CREATE STREAM s (id STRING KEY, name STRING) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, HISTOGRAM(name) AS counts FROM s GROUP BY id;
