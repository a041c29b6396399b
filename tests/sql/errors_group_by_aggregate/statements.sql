-- GROUP BY an aggregate.
CREATE STREAM s (id STRING KEY, a STRING, b INT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT a, COUNT(*) AS n FROM s GROUP BY SUM(b);
