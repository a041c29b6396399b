-- SET 'ksql.persistence.wrap.single.values'='false' makes single-column JSON sources and sinks
-- unwrapped unless their WITH clause says otherwise; several value columns stay an object.
SET 'ksql.persistence.wrap.single.values' = 'false';
CREATE STREAM amounts (id STRING KEY, amount DOUBLE) WITH (kafka_topic='amounts', value_format='JSON');
CREATE STREAM doubled AS SELECT id, amount * 2 AS amount FROM amounts;
CREATE STREAM wrapped WITH (wrap_single_value=true) AS SELECT id, amount FROM amounts;
CREATE STREAM both AS SELECT id, amount, amount + 1 AS more FROM amounts;
