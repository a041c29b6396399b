-- A column declared twice.
CREATE STREAM s (id STRING KEY, n INT, N STRING) WITH (kafka_topic='s', value_format='JSON');
