-- SUM_LIST(array) sums every element of every array of a group; the result has the element type
-- (INT, BIGINT, DOUBLE). NULL elements and NULL arrays add nothing, so a group of only those sums to
-- 0; an INT sum wraps around as Java's int does (ksqlDB's ListSumUdaf).
CREATE STREAM baskets (id STRING KEY, g STRING, ints ARRAY<INT>, longs ARRAY<BIGINT>,
                       dbls ARRAY<DOUBLE>)
  WITH (kafka_topic='baskets', value_format='JSON');

CREATE TABLE sums AS
  SELECT g, SUM_LIST(ints) AS si, SUM_LIST(longs) AS sl, SUM_LIST(dbls) AS sd
  FROM baskets
  GROUP BY g;
