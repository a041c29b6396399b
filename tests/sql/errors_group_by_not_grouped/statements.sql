-- A selected column that is neither grouped nor aggregated.
CREATE STREAM s (id STRING KEY, a STRING, b INT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT a, b, COUNT(*) AS n FROM s GROUP BY a;
