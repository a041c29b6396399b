-- ALTER STREAM ... ADD COLUMN: a declared source gains value columns, which later queries can
-- read (records written before simply lack them: NULL).
CREATE STREAM s (id STRING KEY, a INT) WITH (kafka_topic='s', value_format='JSON');
ALTER STREAM s ADD COLUMN b STRING, ADD COLUMN c DOUBLE;
CREATE STREAM o AS SELECT id, a, b, c FROM s;
