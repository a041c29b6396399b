-- DELIMITED values: comma by default, VALUE_DELIMITER on source and sink (a character, or the
-- names TAB and SPACE), quoted fields with embedded delimiters and quotes, empty fields as NULL,
-- and quoting on output where needed.
CREATE STREAM csv_in (id STRING KEY, name STRING, qty INT, price DOUBLE, ok BOOLEAN)
  WITH (kafka_topic='csv_in', value_format='DELIMITED');

CREATE STREAM pipe_out WITH (value_delimiter='|') AS
  SELECT id, name, qty, price, ok FROM csv_in;

CREATE STREAM tab_out WITH (value_delimiter='TAB') AS
  SELECT id, name, qty FROM csv_in;

CREATE STREAM comma_out AS
  SELECT id, name, qty * 2 AS qty2 FROM csv_in;

CREATE STREAM space_in (id STRING KEY, a STRING, b INT)
  WITH (kafka_topic='space_in', value_format='DELIMITED', value_delimiter='SPACE');

CREATE STREAM space_out AS SELECT id, b, a FROM space_in;
