-- SUM over INT, BIGINT, DOUBLE and DECIMAL: the result has the argument's type (DECIMAL keeps its
-- precision and scale); NULL inputs are ignored, so a group that has only seen NULLs sums to 0; an
-- INT sum wraps around as Java's int does (ksqlDB's IntegerSumKudaf); a row whose grouping value
-- is NULL joins no group.
CREATE STREAM payments (id STRING KEY, account STRING, i INT, b BIGINT, d DOUBLE, m DECIMAL(6,2))
  WITH (kafka_topic='payments', value_format='JSON');

CREATE TABLE totals AS
  SELECT account, SUM(i) AS si, SUM(b) AS sb, SUM(d) AS sd, SUM(m) AS sm
  FROM payments
  GROUP BY account;
