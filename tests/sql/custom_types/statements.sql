-- CREATE TYPE registers a named type usable in column lists (also nested); DROP TYPE removes it,
-- and IF [NOT] EXISTS makes repeats no-ops.
CREATE TYPE address AS STRUCT<street STRING, zip INT>;
CREATE TYPE IF NOT EXISTS address AS STRUCT<other STRING>;
CREATE TYPE tags AS ARRAY<STRING>;
CREATE STREAM people (id STRING KEY, home ADDRESS, labels TAGS, past ARRAY<ADDRESS>)
  WITH (kafka_topic='people', value_format='JSON');
CREATE STREAM zips AS SELECT id, home->zip AS zip, labels[1] AS first_label, past[1]->street AS old_street FROM people;
DROP TYPE tags;
DROP TYPE IF EXISTS tags;
