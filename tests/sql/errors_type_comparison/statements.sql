-- Comparing a STRING column with a number.
CREATE STREAM s (id STRING KEY, name STRING) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id FROM s WHERE name > 5;
