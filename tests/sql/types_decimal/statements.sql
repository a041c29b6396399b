-- DECIMAL(p,s): decoded from JSON numbers and strings, arithmetic with ksqlDB's result
-- precision/scale, mixing with INT (widened to DECIMAL) and DOUBLE (result DOUBLE), comparison,
-- CAST with rounding, division (exact at the result scale, else NULL, as ksqlDB does not
-- round it), and nulls.
CREATE STREAM prices (id STRING KEY, price DECIMAL(6,2), qty INT, rate DOUBLE)
  WITH (kafka_topic='prices', value_format='JSON');

CREATE STREAM totals AS
  SELECT id,
         price,
         price + price AS doubled,
         price - 1.25 AS discounted,
         price * qty AS total,
         price * rate AS scaled,
         price > 10 AS expensive,
         CAST(price AS DECIMAL(4,1)) AS rounded,
         CAST(price AS INT) AS whole,
         CAST('12.345' AS DECIMAL(5,3)) AS parsed
  FROM prices;

-- The same values as text (DELIMITED), where the scale shows: 20.50, not 20.5.
CREATE STREAM totals_text WITH (value_format='DELIMITED') AS
  SELECT id, price + price AS doubled, price * qty AS total, CAST(price AS DECIMAL(4,1)) AS rounded,
         price / qty AS per_unit
  FROM prices;

-- A JSON number with more digits than a DOUBLE holds reaches a DECIMAL column exactly.
CREATE STREAM big (id STRING KEY, v DECIMAL(33, 16)) WITH (kafka_topic='big', value_format='JSON');
CREATE STREAM big_text WITH (value_format='DELIMITED') AS SELECT id, v, ROUND(v) AS r FROM big;
