-- An aggregate call inside another.
CREATE STREAM s (id STRING KEY, a STRING, b INT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT a, SUM(COUNT(b)) AS n FROM s GROUP BY a;
