-- PARTITION BY with an empty list.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, n FROM s PARTITION BY ();
