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

-- Strings are trimmed before parsing; DECIMAL to INT/BIGINT truncates; DECIMAL to STRING is plain
-- (never 1E-9); maps and structs to STRING as Java prints them.
CREATE STREAM more (id STRING KEY, m MAP<STRING, INT>, st STRUCT<f1 STRING, f2 INT>, dec DECIMAL(10,9))
  WITH (kafka_topic='more', value_format='JSON');
CREATE STREAM more_out AS
  SELECT id, CAST(' 42 ' AS INT) AS a, CAST(12.99 AS INT) AS b, CAST(-12.99 AS BIGINT) AS c,
         CAST(m AS STRING) AS d, CAST(st AS STRING) AS e, CAST(dec AS STRING) AS f,
         CAST(' yes ' AS BOOLEAN) AS g, CAST(' 2.5 ' AS DOUBLE) AS h,
         CAST(' 1.25 ' AS DECIMAL(4,2)) AS i
  FROM more;
