-- KEY_FORMAT='NONE' on a stream that declares a key column.
CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', key_format='NONE', value_format='JSON');
