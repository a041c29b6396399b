-- SESSION windows over a repartitioned stream (the product group is a value column; its records
-- come from both partitions of SALES): a record within the gap of a session extends it, one
-- that bridges two sessions merges them (each merged session's result is deleted, then the
-- merged session's emitted, its WINDOWSTART/WINDOWEND the first and last record's times); a
-- record whose session would end before stream time - gap - grace is late and dropped.
CREATE STREAM sales (id INT KEY, product_group STRING, price DOUBLE, quantity INT)
  WITH (kafka_topic='sales', value_format='JSON', partitions=2);

-- Output buffering (ksqlDB's record cache) does not hold these results back.
SET 'ksql.streams.cache.max.bytes.buffering'='10000000';

CREATE TABLE session_sales AS
  SELECT product_group AS key,
    SUM(price * quantity) AS total,
    COUNT(*) AS n,
    AVG(price) AS avg_price,
    WINDOWSTART AS ws,
    WINDOWEND AS we
  FROM sales
  WINDOW SESSION (10 SECONDS, GRACE PERIOD 30 SECONDS)
  GROUP BY product_group;
