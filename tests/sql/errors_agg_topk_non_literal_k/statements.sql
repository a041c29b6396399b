-- TOPK's k configures the function: it must be a literal, not a column (ksqlDB's message quotes the
-- expression).
CREATE STREAM s (id STRING KEY, g STRING, v INT, k INT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT g, TOPK(v, k) AS top FROM s GROUP BY g;
