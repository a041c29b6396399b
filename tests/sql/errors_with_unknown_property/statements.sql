-- A WITH property that does not exist.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON', colour='blue');
