-- DESCRIBE FUNCTION names aggregate functions too (the REST API answers it; here what it names
-- must exist), between statements it must not disturb.
CREATE STREAM src (id STRING KEY, v INT) WITH (kafka_topic='src', value_format='JSON');
DESCRIBE FUNCTION COUNT;
DESCRIBE FUNCTION topk;
CREATE TABLE out AS SELECT id, COUNT(*) AS n FROM src GROUP BY id;
DESCRIBE FUNCTION LATEST_BY_OFFSET;
