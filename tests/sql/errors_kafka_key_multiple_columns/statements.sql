-- The KAFKA key format holds a single key column.
CREATE STREAM s (a INT KEY, b INT KEY, v INT) WITH (kafka_topic='s', key_format='KAFKA', value_format='JSON');
