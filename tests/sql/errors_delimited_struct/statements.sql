-- DELIMITED holds primitive columns only.
CREATE STREAM s (id STRING KEY, st STRUCT<a INT>) WITH (kafka_topic='s', value_format='DELIMITED');
