-- Function calls that fail for a row give NULL for that expression and the row still flows (as
-- a ksqlDB UDF exception does): an invalid regular expression, an unknown time zone, an unknown
-- bytes encoding, a date pattern with letters java.time does not define, text that does not
-- match its pattern, integer division by zero. SUBSTRING from position 0 starts at the first
-- character.
CREATE STREAM s (id STRING KEY, str STRING, ms BIGINT, b BYTES, n INT)
  WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS
  SELECT id,
         REGEXP_EXTRACT('(', str) AS bad_regex,
         TIMESTAMPTOSTRING(ms, 'yyyy', 'Mars/Olympus') AS bad_zone,
         FROM_BYTES(b, 'rot13') AS bad_encoding,
         TIMESTAMPTOSTRING(ms, 'invalid pattern') AS bad_pattern,
         STRINGTOTIMESTAMP(str, 'yyyy-MM-dd') AS no_match,
         100 / n AS div,
         SUBSTRING(str, 0) AS from_zero,
         UCASE(str) AS still_computed
  FROM s;
