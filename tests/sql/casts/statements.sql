-- CAST between the primitive types: numbers to and from strings, truncation of DOUBLE to INT,
-- DOUBLE to DECIMAL from the double's exact value (2.675E0 is 2.67499.., so 2.67),
-- BOOLEAN from strings, collections and structs to STRING, and NULL in, NULL out.
CREATE STREAM raw (id STRING KEY, s STRING, d DOUBLE, i INT, l BIGINT, b BOOLEAN, arr ARRAY<INT>)
  WITH (kafka_topic='raw', value_format='JSON');

CREATE STREAM cast_out AS
  SELECT id,
         CAST(s AS INT) AS s_int,
         CAST(s AS DOUBLE) AS s_double,
         CAST(d AS INT) AS d_int,
         CAST(d AS BIGINT) AS d_bigint,
         CAST(d AS STRING) AS d_string,
         CAST(i AS STRING) AS i_string,
         CAST(i AS DOUBLE) AS i_double,
         CAST(l AS INT) AS l_int,
         CAST(b AS STRING) AS b_string,
         CAST('true' AS BOOLEAN) AS t_bool,
         CAST('no' AS BOOLEAN) AS f_bool,
         CAST(arr AS STRING) AS arr_string,
         CAST(NULL AS INT) AS null_int,
         CAST(2.675E0 AS DECIMAL(3,2)) AS dbl_dec
  FROM raw;
