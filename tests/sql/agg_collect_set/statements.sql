-- COLLECT_SET keeps each distinct value of a group once, in order of first arrival; a NULL is kept
-- (once) like any other value, as ksqlDB's (a list that adds a value it does not contain) does.
CREATE STREAM orders (id STRING KEY, customer STRING, item STRING, qty INT)
  WITH (kafka_topic='orders', value_format='JSON');

CREATE TABLE assortment AS
  SELECT customer, COLLECT_SET(item) AS items, COLLECT_SET(qty) AS qtys
  FROM orders
  GROUP BY customer;
