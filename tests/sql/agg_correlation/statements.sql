-- CORRELATION(x, y): Pearson's coefficient over the group's rows where both x and y are non-NULL,
-- with ksqlDB's single-pass formula; NaN (JSON "NaN") while it is undefined: fewer than two points,
-- or no spread in x or y (0/0).
CREATE STREAM pairs (id STRING KEY, g STRING, x DOUBLE, y DOUBLE)
  WITH (kafka_topic='pairs', value_format='JSON');

CREATE TABLE correlations AS
  SELECT g, CORRELATION(x, y) AS r
  FROM pairs
  GROUP BY g;
