-- SUM_LIST over a table (ksqlDB's ListSumUdaf is a TableUdaf): an update or a tombstone subtracts
-- the sum of the row's old array; NULL elements and NULL arrays count for nothing either way.
CREATE TABLE carts (id STRING PRIMARY KEY, shop STRING, prices ARRAY<BIGINT>)
  WITH (kafka_topic='carts', value_format='JSON');

CREATE TABLE cart_totals AS
  SELECT shop, SUM_LIST(prices) AS total
  FROM carts
  GROUP BY shop;
