-- COUNT_DISTINCT counts a group's distinct non-NULL values (exactly here; ksqlDB estimates with
-- HyperLogLog, which is exact for so few values); a group that has only seen NULLs counts 0.
CREATE STREAM visits (id STRING KEY, page STRING, user_id STRING, n INT)
  WITH (kafka_topic='visits', value_format='JSON');

CREATE TABLE uniques AS
  SELECT page, COUNT_DISTINCT(user_id) AS users, COUNT_DISTINCT(n) AS ns
  FROM visits
  GROUP BY page;
