-- INSERT INTO ... VALUES with a value of a type that does not convert to the column's.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
INSERT INTO s (id, n) VALUES ('a', ARRAY[1, 2]);
