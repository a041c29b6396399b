-- Filter, projection with arithmetic, CASE, string functions and a struct field.
CREATE STREAM orders (id BIGINT KEY, amount DOUBLE, qty INT, item STRING,
                      address STRUCT<city STRING, zip STRING>)
  WITH (kafka_topic='orders', value_format='JSON');

CREATE STREAM big_orders AS
  SELECT id,
         amount * qty AS total,
         CASE WHEN qty > 5 THEN 'bulk' ELSE 'single' END AS kind,
         UCASE(item) AS item,
         address->city AS city
  FROM orders
  WHERE amount * qty >= 100 AND item IS NOT NULL;
