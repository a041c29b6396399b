-- A function that does not exist.
CREATE STREAM s (id STRING KEY, v STRING) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, NO_SUCH_FN(v) AS x FROM s;
