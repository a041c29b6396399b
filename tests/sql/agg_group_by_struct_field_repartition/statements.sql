-- GROUP BY a struct field goes through the repartition topic, which carries the whole struct the
-- grouping reads from (its other fields too, long strings among them), not only the field.
CREATE STREAM orders (id STRING KEY,
                      customer STRUCT<name STRING, city STRING, note STRING>, amount INT)
  WITH (kafka_topic='orders', format='JSON');

CREATE TABLE per_city AS
  SELECT customer->city AS city, SUM(amount) AS total, COUNT(*) AS n
  FROM orders GROUP BY customer->city;
