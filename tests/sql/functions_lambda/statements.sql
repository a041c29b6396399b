-- Lambda functions over arrays and maps: TRANSFORM, FILTER, REDUCE (a NULL collection reduces to
-- the initial state), with empty and NULL collections.
CREATE STREAM vals (id STRING KEY, xs ARRAY<INT>, m MAP<STRING, INT>)
  WITH (kafka_topic='vals', value_format='JSON');

CREATE STREAM lambda_out AS
  SELECT id,
         TRANSFORM(xs, x => x * 10) AS tenfold,
         FILTER(xs, x => x > 1) AS big,
         REDUCE(xs, 0, (acc, x) => acc + x) AS total,
         TRANSFORM(m, (k, v) => UCASE(k), (k, v) => v + 1) AS m2,
         FILTER(m, (k, v) => v > 1) AS m_big,
         REDUCE(m, 0, (s, k, v) => s + v) AS m_total
  FROM vals;
