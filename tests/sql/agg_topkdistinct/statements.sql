-- TOPKDISTINCT(x, k): the k largest distinct non-NULL values, largest first (a value already kept
-- is not kept twice), for numbers and strings.
CREATE STREAM scores (id STRING KEY, game STRING, points BIGINT, player STRING)
  WITH (kafka_topic='scores', value_format='JSON');

CREATE TABLE top_distinct AS
  SELECT game, TOPKDISTINCT(points, 3) AS top_points, TOPKDISTINCT(player, 2) AS top_players
  FROM scores
  GROUP BY game;
