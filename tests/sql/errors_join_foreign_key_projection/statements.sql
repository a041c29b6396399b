-- A foreign-key join's rows are keyed by the left table's primary key: the projection must
-- select every column of it.
CREATE TABLE lines (order_id INT PRIMARY KEY, line INT PRIMARY KEY, product STRING)
  WITH (kafka_topic='lines', format='JSON');
CREATE TABLE products (sku STRING PRIMARY KEY, price DOUBLE)
  WITH (kafka_topic='products', value_format='JSON');

CREATE TABLE out AS SELECT l.order_id, p.price FROM lines l JOIN products p ON l.product = p.sku;
