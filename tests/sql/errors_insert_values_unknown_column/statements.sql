-- INSERT INTO ... VALUES naming a column the stream does not have.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
INSERT INTO s (id, m) VALUES ('a', 1);
