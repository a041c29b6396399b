-- An aggregation over a table: a row that moves to another group is retracted from its old
-- group (an update there first) and added to the new one; a tombstone retracts the row; a row
-- that stops passing WHERE is retracted. COUNT and SUM go back down, to 0.
CREATE TABLE users (id STRING PRIMARY KEY, region STRING, score INT)
  WITH (kafka_topic='users', value_format='JSON');

CREATE TABLE per_region AS
  SELECT region, COUNT(*) AS users, SUM(score) AS score
  FROM users
  WHERE score >= 0
  GROUP BY region;
