-- A string literal that never ends.
CREATE STREAM s (id STRING KEY, v STRING) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, v FROM s WHERE v = 'open;
