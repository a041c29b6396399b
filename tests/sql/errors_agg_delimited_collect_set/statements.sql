-- COLLECT_SET keeps an ARRAY per group in the source's value format: refused over DELIMITED.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, COLLECT_SET(v) AS vs FROM s GROUP BY id;
