-- INSERT INTO ... SELECT whose columns do not match the sink's.
CREATE STREAM a (id STRING KEY, n INT) WITH (kafka_topic='a', value_format='JSON');
CREATE STREAM b (id STRING KEY, s STRING) WITH (kafka_topic='b', value_format='JSON');
CREATE STREAM o AS SELECT id, n FROM a;
INSERT INTO o SELECT id, s FROM b;
