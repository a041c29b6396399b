-- How JSON values become column values, as ksqlDB's JSON deserializer coerces them: numbers
-- into INT/BIGINT truncate (Jackson's intValue/asLong), numeric strings parse, any number goes
-- into DOUBLE, a STRING column takes numbers and booleans as text, an array as "[a, b, null]" and
-- an object as compact JSON text; map values and array elements coerce the same way. A BOOLEAN
-- column takes only JSON booleans.
CREATE STREAM j (id STRING KEY, i INT, l BIGINT, d DOUBLE, s1 STRING, s2 STRING, s3 STRING,
                 s4 STRING, m MAP<STRING, INT>, a ARRAY<BIGINT>, b BOOLEAN)
  WITH (kafka_topic='j', value_format='JSON');
CREATE STREAM j_out AS SELECT * FROM j;
