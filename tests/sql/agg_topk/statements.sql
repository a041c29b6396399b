-- TOPK(x, k): the k largest non-NULL values, largest first, duplicates kept (strings in character
-- order). TOPK(x, col, k) returns structs (sort_col, col0) of the k rows with the largest x; a tie
-- with the smallest kept value does not displace it, and col0 may be NULL.
CREATE STREAM scores (id STRING KEY, game STRING, points INT, player STRING)
  WITH (kafka_topic='scores', value_format='JSON');

CREATE TABLE top_scores AS
  SELECT game, TOPK(points, 3) AS top_points, TOPK(player, 2) AS top_players,
         TOPK(points, player, 2) AS top_rows
  FROM scores
  GROUP BY game;
