-- A second CREATE of the same name without OR REPLACE or IF NOT EXISTS.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s2', value_format='JSON');
