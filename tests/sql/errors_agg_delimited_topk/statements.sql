-- TOPK keeps (and returns) an ARRAY per group in the source's value format: refused over
-- DELIMITED, with the intermediate-type message rather than the sink's.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t AS SELECT id, TOPK(v, 3) AS top3 FROM s GROUP BY id;
