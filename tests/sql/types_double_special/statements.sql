-- DOUBLE division by zero, overflow and square roots of negatives give Infinity and NaN (Java
-- arithmetic, no error); JSON writes them as the strings "Infinity" and "NaN" (Jackson's default),
-- DELIMITED as Double.toString does. Text that reads as them parses back.
CREATE STREAM s (id STRING KEY, d DOUBLE) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS
  SELECT id, d / 0 AS inf, -d / 0 AS ninf, SQRT(-d) AS nan, d * 1e300 * 1e10 AS big,
         CAST('NaN' AS DOUBLE) AS parsed_nan
  FROM s;
CREATE STREAM o_text WITH (value_format='DELIMITED') AS SELECT id, d / 0 AS inf, SQRT(-d) AS nan FROM s;
