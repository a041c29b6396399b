-- Joins of three sources on one key, run in one join task as a chain: an order stream LEFT JOIN
-- customers then (INNER) JOIN tiers — an order without a tier is dropped, one without a customer
-- keeps NULLs; and a table of three tables, whose rows follow every change of any of them (a
-- tier deleted deletes the profile).
CREATE STREAM orders (order_id INT KEY, customer_id STRING, amount DOUBLE)
  WITH (kafka_topic='orders', value_format='JSON');
CREATE TABLE customers (id STRING PRIMARY KEY, name STRING)
  WITH (kafka_topic='customers', value_format='JSON');
CREATE TABLE tiers (id STRING PRIMARY KEY, tier STRING)
  WITH (kafka_topic='tiers', value_format='JSON');
CREATE TABLE scores (id STRING PRIMARY KEY, score INT)
  WITH (kafka_topic='scores', value_format='JSON');

CREATE STREAM enriched AS
  SELECT o.customer_id AS customer, o.order_id, o.amount, c.name, t.tier
  FROM orders o
  LEFT JOIN customers c ON o.customer_id = c.id
  JOIN tiers t ON o.customer_id = t.id;

CREATE TABLE profile AS
  SELECT c.id AS id, c.name, t.tier, s.score
  FROM customers c
  JOIN tiers t ON c.id = t.id
  LEFT JOIN scores s ON c.id = s.id;
