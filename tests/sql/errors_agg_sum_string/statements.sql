-- SUM has no STRING overload: ksqlDB's message names the argument types.
CREATE STREAM s (id STRING KEY, g STRING, name STRING) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t AS SELECT g, SUM(name) AS total FROM s GROUP BY g;
