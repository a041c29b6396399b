-- A foreign-key join is INNER or LEFT: a RIGHT join on a foreign key is refused.
CREATE TABLE orders (order_id INT PRIMARY KEY, customer_id INT) WITH (kafka_topic='orders', value_format='JSON');
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON');

CREATE TABLE out AS SELECT o.order_id, c.name FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id;
