-- Math functions with a value and with NULL: ABS, CEIL/CEILING, FLOOR, ROUND (Java's half-up
-- towards positive infinity; with decimal places), TRUNC, SIGN, SQRT, CBRT, EXP, LN, LOG (natural
-- and with a base), POWER, the trigonometric and hyperbolic functions, DEGREES, RADIANS, PI,
-- RANDOM, GREATEST/LEAST (NULL arguments ignored) and GEO_DISTANCE (km and miles).
CREATE STREAM nums (id STRING KEY, d DOUBLE, i INT, l BIGINT)
  WITH (kafka_topic='nums', value_format='JSON');

CREATE STREAM math_out AS
  SELECT id,
         ABS(d) AS abs_d, ABS(i) AS abs_i,
         CEIL(d) AS ceil_d, CEILING(d) AS ceiling_d, FLOOR(d) AS floor_d,
         ROUND(d) AS round_d, ROUND(d, 1) AS round_d1, ROUND(i) AS round_i,
         TRUNC(d) AS trunc_d, TRUNC(d, 1) AS trunc_d1,
         SIGN(d) AS sign_d,
         SQRT(ABS(d)) AS sqrt_d, CBRT(d) AS cbrt_d,
         EXP(i) AS exp_i, LN(ABS(d)) AS ln_d, LOG(ABS(d)) AS log_d, LOG(2, l) AS log2_l,
         POWER(d, 2) AS pow_d,
         GREATEST(i, 3, l) AS greatest, LEAST(d, 0.5) AS least,
         GREATEST(CAST(NULL AS INT), i) AS greatest_null
  FROM nums;

CREATE STREAM trig_out AS
  SELECT id,
         SIN(0.0) AS sin0, COS(0.0) AS cos0, TAN(0.0) AS tan0,
         ASIN(1.0) AS asin1, ACOS(1.0) AS acos1, ATAN(1.0) AS atan1, ATAN2(1.0, 1.0) AS atan2,
         SINH(0.0) AS sinh0, COSH(0.0) AS cosh0, TANH(0.0) AS tanh0,
         COT(PI() / 4) AS cot,
         DEGREES(PI()) AS deg, RADIANS(180) AS rad, PI() AS pi,
         RANDOM() >= 0.0 AND RANDOM() < 1.0 AS random_ok,
         SIN(d) AS sin_d,
         ROUND(GEO_DISTANCE(37.4439, -122.1663, 51.5257, -0.1122), 3) AS km,
         ROUND(GEO_DISTANCE(37.4439, -122.1663, 51.5257, -0.1122, 'MI'), 3) AS miles,
         GEO_DISTANCE(d, 0.0, 0.0, 0.0) AS geo_d
  FROM nums;
