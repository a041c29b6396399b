-- A column list without its closing parenthesis; the error is on the statement's second line.
CREATE STREAM s (id STRING KEY, v INT
  WITH (kafka_topic='s', value_format='JSON');
