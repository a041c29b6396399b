-- The KAFKA format has no encoding for BOOLEAN (nor DECIMAL, collections, structs).
CREATE STREAM s (k BOOLEAN KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
