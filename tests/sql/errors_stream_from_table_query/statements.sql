-- A query over a TABLE produces a table: CREATE STREAM AS SELECT from it is rejected.
CREATE TABLE t (id STRING PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON');
CREATE STREAM s AS SELECT id, v FROM t;
