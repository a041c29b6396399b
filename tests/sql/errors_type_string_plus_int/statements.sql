-- Arithmetic between a STRING and an INT.
CREATE STREAM s (id STRING KEY, name STRING, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, name + n AS x FROM s;
