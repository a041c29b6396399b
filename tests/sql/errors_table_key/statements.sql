-- Tables have PRIMARY KEY columns, not KEY.
CREATE TABLE t (k INT KEY, v INT) WITH (kafka_topic='t', value_format='JSON');
