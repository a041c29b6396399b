-- The TIMESTAMP property must name a column of the source.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', timestamp='ts');
