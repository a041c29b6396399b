-- KAFKA format: big-endian INT (4 bytes), BIGINT (8 bytes), DOUBLE (8 bytes IEEE 754) and
-- STRING (UTF-8) keys, a single-column KAFKA value, and re-keying into each key type.
CREATE STREAM by_int (k INT KEY, v BIGINT)
  WITH (kafka_topic='by_int', key_format='KAFKA', value_format='KAFKA');

CREATE STREAM int_to_bigint AS SELECT v AS nk, k FROM by_int PARTITION BY v;
CREATE STREAM int_to_double WITH (value_format='JSON') AS
  SELECT CAST(k AS DOUBLE) / 4 AS dk, k FROM by_int PARTITION BY CAST(k AS DOUBLE) / 4;
CREATE STREAM int_to_string WITH (value_format='JSON') AS
  SELECT CAST(k AS STRING) AS sk, v FROM by_int PARTITION BY CAST(k AS STRING);

CREATE STREAM by_double (k DOUBLE KEY, s STRING)
  WITH (kafka_topic='by_double', value_format='KAFKA');
CREATE STREAM double_out WITH (value_format='JSON') AS SELECT k, s, k * 2 AS k2 FROM by_double;
