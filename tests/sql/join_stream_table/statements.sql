-- A stream LEFT JOIN a table on a value column of the stream (repartitioned by it): each order
-- joins its customer's current row, NULLs when there is none (never had one, or deleted by a
-- tombstone); a table record changes the table and emits nothing. The key is the join column.
CREATE STREAM orders (order_id INT KEY, customer_id STRING, amount DOUBLE)
  WITH (kafka_topic='orders', value_format='JSON', partitions=2);
CREATE TABLE customers (id STRING PRIMARY KEY, name STRING, tier STRING)
  WITH (kafka_topic='customers', value_format='JSON');

CREATE STREAM enriched AS
  SELECT o.customer_id, o.order_id, o.amount, c.name, c.tier
  FROM orders o LEFT JOIN customers c ON o.customer_id = c.id;

CREATE STREAM gold_orders AS
  SELECT o.customer_id AS customer, o.amount
  FROM orders o JOIN customers c ON o.customer_id = c.id
  WHERE c.tier = 'gold';
