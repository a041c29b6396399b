-- The KAFKA format holds a single column.
CREATE STREAM s (id STRING KEY, a INT, b INT) WITH (kafka_topic='s', value_format='KAFKA');
