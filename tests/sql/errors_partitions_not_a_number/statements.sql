-- PARTITIONS must be a number.
CREATE STREAM s (a INT) WITH (kafka_topic='s', value_format='JSON', partitions='abc');
