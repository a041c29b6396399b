-- INSERT INTO ... SELECT targets streams only.
CREATE TABLE t (id STRING PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON');
CREATE TABLE t2 AS SELECT id, v FROM t;
INSERT INTO t2 SELECT id, v FROM t;
