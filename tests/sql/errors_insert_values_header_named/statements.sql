-- Naming a HEADER column in INSERT VALUES is refused; only the named header columns are listed.
CREATE STREAM s (id STRING KEY, h1 BYTES HEADER('h1'), v BIGINT, h2 BYTES HEADER('h2'))
  WITH (kafka_topic='s', value_format='JSON', partitions=1);
INSERT INTO s (id, v, h2) VALUES ('a', 1, NULL);
