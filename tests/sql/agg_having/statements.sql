-- HAVING filters the aggregate's updates: a group that stops passing is deleted downstream (a
-- tombstone), once; a group that never passed, or no longer passes, emits nothing.
CREATE STREAM orders (id STRING KEY, customer STRING, amount INT)
  WITH (kafka_topic='orders', value_format='JSON');

CREATE TABLE big_customers AS
  SELECT customer, SUM(amount) AS total, COUNT(*) AS n
  FROM orders
  GROUP BY customer
  HAVING SUM(amount) > 100;
