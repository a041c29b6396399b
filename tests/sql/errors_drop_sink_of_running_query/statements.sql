-- DROP of a source that a running query writes to.
CREATE STREAM src (id STRING KEY, n INT) WITH (kafka_topic='src', value_format='JSON');
CREATE STREAM out AS SELECT id, n FROM src;
DROP STREAM out;
