-- COUNT(*) counts rows, COUNT(col) the rows where col is not NULL; a stream's tombstones and
-- rows whose grouping value is NULL join no group; the result's timestamp is the group's latest.
CREATE STREAM clicks (id STRING KEY, page STRING, user_id STRING)
  WITH (kafka_topic='clicks', value_format='JSON');

CREATE TABLE per_page AS
  SELECT page, COUNT(*) AS hits, COUNT(user_id) AS known_users, COUNT(1) AS ones
  FROM clicks GROUP BY page;
