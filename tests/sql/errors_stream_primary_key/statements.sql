-- Streams have KEY columns, not PRIMARY KEY.
CREATE STREAM s (k INT PRIMARY KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
