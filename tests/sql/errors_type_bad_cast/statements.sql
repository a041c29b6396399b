-- A CAST between types that do not convert.
CREATE STREAM s (id STRING KEY, tags ARRAY<STRING>) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, CAST(tags AS INT) AS x FROM s;
