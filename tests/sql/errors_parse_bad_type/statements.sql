-- A type that does not exist.
CREATE STREAM s (id STRING KEY, v INTEGRAL) WITH (kafka_topic='s', value_format='JSON');
