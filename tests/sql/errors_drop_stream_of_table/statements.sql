-- DROP STREAM naming a table.
CREATE TABLE t (id STRING PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON');
DROP STREAM t;
