-- PARTITION BY: a value column, an expression (its alias names the key column), several columns
-- (a multi-column key), a struct field, NULL (no key: records keep flowing), and the old key
-- moving into the value.
CREATE STREAM orders (id INT KEY, customer STRING, amount DOUBLE, addr STRUCT<city STRING>)
  WITH (kafka_topic='orders', key_format='JSON', value_format='JSON');

CREATE STREAM by_customer AS SELECT * FROM orders PARTITION BY customer;
CREATE STREAM by_upper AS SELECT UCASE(customer) AS cust, amount FROM orders PARTITION BY UCASE(customer);
CREATE STREAM by_expr AS SELECT id * 10 AS tenfold, amount FROM orders PARTITION BY id * 10;
CREATE STREAM by_two AS SELECT customer, id, amount FROM orders PARTITION BY customer, id;
CREATE STREAM by_city AS SELECT addr->city AS city, id FROM orders PARTITION BY addr->city;
CREATE STREAM no_key AS SELECT id, amount FROM orders PARTITION BY NULL;
