-- A function called with argument types it has no overload for.
CREATE STREAM s (id STRING KEY, name STRING, flag BOOLEAN) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, SUBSTRING(name, flag) AS x FROM s;
