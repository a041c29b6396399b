-- A record with a NULL value on a stream: a projection without WHERE passes it on as a
-- tombstone with its key; a WHERE drops it.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM copy AS SELECT id, v FROM s;
CREATE STREAM filtered AS SELECT id, v FROM s WHERE v > 0;
