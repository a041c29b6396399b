-- GROUP BY forms: several columns (a JSON key object, GROUP BY order), an expression with an
-- alias, a struct field, and arithmetic over aggregates and grouping values in the projection.
CREATE STREAM sales (id STRING KEY, region STRING, shop INT, amount DOUBLE,
                     item STRUCT<category STRING, price INT>)
  WITH (kafka_topic='sales', format='JSON');

CREATE TABLE by_region_shop AS
  SELECT shop, region, COUNT(*) AS n, SUM(amount) * 2 AS double_total, shop + 1 AS next_shop
  FROM sales GROUP BY region, shop;

CREATE TABLE by_upper_region AS
  SELECT UCASE(region) AS r, MAX(amount) AS top
  FROM sales GROUP BY UCASE(region);

CREATE TABLE by_category AS
  SELECT item->category, SUM(item->price) AS price_total
  FROM sales GROUP BY item->category;
