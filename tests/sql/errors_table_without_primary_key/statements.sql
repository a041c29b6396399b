-- A table must declare its PRIMARY KEY.
CREATE TABLE t (k INT, v INT) WITH (kafka_topic='t', value_format='JSON');
