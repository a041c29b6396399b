-- A table cannot be joined to a stream: only stream-table joins (the stream first).
CREATE TABLE t (id INT PRIMARY KEY, b INT) WITH (kafka_topic='t', value_format='JSON');
CREATE STREAM s (id INT KEY, c INT) WITH (kafka_topic='s', value_format='JSON');

CREATE TABLE out AS SELECT t.id, b, c FROM t JOIN s ON t.id = s.id;
