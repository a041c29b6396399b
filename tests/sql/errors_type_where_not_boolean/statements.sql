-- A WHERE clause that is not a boolean.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, n FROM s WHERE n + 1;
