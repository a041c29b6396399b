-- A table's aggregation cannot be windowed (ksqlDB's refusal).
CREATE TABLE users (id STRING PRIMARY KEY, region STRING)
  WITH (kafka_topic='users', value_format='JSON');

CREATE TABLE per_region AS
  SELECT region, COUNT(*) AS n
  FROM users
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY region;
