-- INSERT VALUES without column names would write every column, headers too: ksqlDB refuses.
-- (Before the check this wrote past the JSON encoder's field table.)
CREATE STREAM s (id STRING KEY, h1 BYTES HEADER('h1'), v BIGINT, hs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS)
  WITH (kafka_topic='s', value_format='JSON', partitions=1);
INSERT INTO s VALUES ('a', NULL, 1, NULL);
