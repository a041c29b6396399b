-- A SELECT column that the source does not have.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, nope FROM s;
