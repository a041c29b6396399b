-- MIN and MAX of numbers (INT, BIGINT, DOUBLE, DECIMAL) and of strings: NULL inputs are ignored,
-- so a result is NULL until its group's first non-NULL value; strings compare by character code
-- ('Zebra' sorts before 'apple'), and a DECIMAL keeps its type.
CREATE STREAM obs (id STRING KEY, k STRING, i INT, b BIGINT, d DOUBLE, m DECIMAL(4,2), s STRING)
  WITH (kafka_topic='obs', value_format='JSON');

CREATE TABLE extremes AS
  SELECT k, MIN(i) AS min_i, MAX(i) AS max_i, MIN(b) AS min_b, MIN(d) AS min_d, MAX(d) AS max_d,
         MAX(m) AS max_m, MIN(s) AS min_s, MAX(s) AS max_s
  FROM obs
  GROUP BY k;
