-- The state is kept in the source's value format, not the sink's: AVG (a STRUCT of sum and
-- count per group) over a DELIMITED source is refused even when the result is written as JSON.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='DELIMITED');
CREATE TABLE t WITH (value_format='JSON') AS SELECT id, AVG(v) AS a FROM s GROUP BY id;
