-- DROP of a source that a running query reads from.
CREATE STREAM src (id STRING KEY, n INT) WITH (kafka_topic='src', value_format='JSON');
CREATE STREAM out AS SELECT id, n FROM src;
DROP STREAM src;
