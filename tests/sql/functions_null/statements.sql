-- COALESCE (first non-NULL of any number of arguments), IFNULL, NULLIF, and AS_VALUE (a key
-- column copied into the value).
CREATE STREAM maybe (id STRING KEY, a STRING, b STRING, n INT, m INT)
  WITH (kafka_topic='maybe', value_format='JSON');

CREATE STREAM null_out AS
  SELECT id,
         COALESCE(a, b, 'none') AS first_set,
         COALESCE(n, m) AS first_num,
         IFNULL(a, 'dflt') AS a_or_default,
         IFNULL(n, -1) AS n_or_default,
         NULLIF(n, 0) AS zero_to_null,
         NULLIF(a, b) AS unless_same,
         AS_VALUE(id) AS id_copy
  FROM maybe;
