-- BOOLEAN, INT, BIGINT, DOUBLE, STRING and VARCHAR columns in JSON: values, nulls and missing
-- fields, and the implicit widening of INT -> BIGINT -> DOUBLE in arithmetic.
CREATE STREAM prims (id STRING KEY, b BOOLEAN, i INT, l BIGINT, d DOUBLE, s STRING, v VARCHAR)
  WITH (kafka_topic='prims', value_format='JSON');

CREATE STREAM prims_out AS
  SELECT id, b, NOT b AS not_b, i, l, d, s, v,
         i + l AS i_plus_l,
         i * d AS i_times_d,
         l / 2 AS l_half,
         i % 3 AS i_mod,
         -i AS neg_i
  FROM prims;
