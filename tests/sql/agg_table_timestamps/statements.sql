-- The timestamp of an aggregation over a table is the latest timestamp its group has seen (Kafka
-- Streams' table aggregate takes the larger of the record's and the aggregate's): an update or a
-- tombstone with an older timestamp, retracted from a group, leaves the group's timestamp as it was.
CREATE TABLE items (id STRING PRIMARY KEY, g STRING, v INT)
  WITH (kafka_topic='items', value_format='JSON');

CREATE TABLE per_group AS
  SELECT g, SUM(v) AS total, COUNT(*) AS n
  FROM items
  GROUP BY g;
