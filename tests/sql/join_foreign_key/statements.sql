-- Foreign-key table-table joins: each order joins the customer its customer_id names (the key is
-- the order's). An order that moves to another customer leaves the old one; a customer change
-- re-emits every order that refers to it, a customer delete deletes those orders' rows (INNER)
-- or NULLs their customer columns (LEFT); an order without a joining customer is no row of the
-- INNER join (a delete, when it moved there from a customer), a row with NULLs of the LEFT one.
-- WHERE over the joined rows turns a row that fails it into a delete of its key. The two
-- tables are not co-partitioned: the join needs no co-partitioning.
CREATE TABLE orders (order_id INT PRIMARY KEY, customer_id INT, amount DOUBLE)
  WITH (kafka_topic='orders', value_format='JSON', partitions=4);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING, tier STRING)
  WITH (kafka_topic='customers', value_format='JSON', partitions=2);

CREATE TABLE order_names AS
  SELECT o.order_id, o.amount, c.name
  FROM orders o JOIN customers c ON o.customer_id = c.id;

CREATE TABLE order_names_left AS
  SELECT o.order_id, c.id AS customer, c.name
  FROM orders o LEFT JOIN customers c ON o.customer_id = c.id;

CREATE TABLE gold_orders AS
  SELECT order_id, amount, tier
  FROM orders JOIN customers ON customer_id = id
  WHERE tier = 'gold';
