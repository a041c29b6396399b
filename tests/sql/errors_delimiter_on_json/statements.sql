-- VALUE_DELIMITER only applies to the DELIMITED format.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', value_delimiter='|');
