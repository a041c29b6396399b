-- JSON values that cannot be decoded are skipped (and reported); the records around them flow:
-- a JSON string where an object is expected, a wrong type for a column, an array where an
-- object is expected, a string that is not a number. As in ksqlDB, a numeric string decodes into
-- a number column, and a number too large for INT wraps (Jackson's intValue()).
CREATE STREAM readings (id STRING KEY, n INT, tags ARRAY<STRING>)
  WITH (kafka_topic='readings', value_format='JSON');

CREATE STREAM readings_out AS SELECT id, n, tags FROM readings;
