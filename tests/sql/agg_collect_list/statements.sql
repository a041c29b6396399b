-- COLLECT_LIST keeps every value of a group in arrival order, duplicates and NULLs included (a NULL
-- is an element like any other, as in ksqlDB's); a stream record with a NULL value (a tombstone) is
-- no row, so it adds nothing.
CREATE STREAM orders (id STRING KEY, customer STRING, item STRING, qty INT)
  WITH (kafka_topic='orders', value_format='JSON');

CREATE TABLE baskets AS
  SELECT customer, COLLECT_LIST(item) AS items, COLLECT_LIST(qty) AS qtys
  FROM orders
  GROUP BY customer;
