-- A PARTITION BY expression that fails for a row (integer division by zero) gives that row a
-- NULL key; the row and the rows after it still flow.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT 100 / n AS k, id FROM s PARTITION BY 100 / n;
