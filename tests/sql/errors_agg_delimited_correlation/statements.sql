-- CORRELATION keeps a STRUCT of running sums per group in the source's value format: refused
-- over DELIMITED.
CREATE STREAM s (id STRING KEY, x DOUBLE, y DOUBLE) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, CORRELATION(x, y) AS r FROM s GROUP BY id;
