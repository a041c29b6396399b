-- SESSION windows with EMIT FINAL: no result per change (no tombstones of merged sessions); each
-- session's one result comes when stream time passes its end + gap + grace, in order of end.
CREATE STREAM sales (id INT KEY, product_group STRING, amount DOUBLE)
  WITH (kafka_topic='sales', value_format='JSON');

CREATE TABLE final_sessions AS
  SELECT product_group AS key, SUM(amount) AS total, COUNT(*) AS n
  FROM sales
  WINDOW SESSION (10 SECONDS, GRACE PERIOD 5 SECONDS)
  GROUP BY product_group
  EMIT FINAL;
