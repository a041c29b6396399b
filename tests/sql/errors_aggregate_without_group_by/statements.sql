-- An aggregate call without GROUP BY.
CREATE STREAM s (id STRING KEY, a STRING) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT COUNT(*) FROM s;
