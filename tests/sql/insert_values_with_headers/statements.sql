-- A stream with header columns still takes INSERT VALUES of its key and value columns; the
-- record has no headers, so its header columns read as NULL and an empty array.
CREATE STREAM s (id STRING KEY, h1 BYTES HEADER('h1'), v BIGINT, hs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS)
  WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM out AS SELECT id, v, h1, hs FROM s;
INSERT INTO s (id, v) VALUES ('a', 7);
