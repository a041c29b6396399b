-- A stream query must select the key column.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT n FROM s;
