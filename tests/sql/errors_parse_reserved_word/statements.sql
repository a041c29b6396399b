-- A reserved word used as a column name without back-quotes.
CREATE STREAM s (id STRING KEY, from INT) WITH (kafka_topic='s', value_format='JSON');
