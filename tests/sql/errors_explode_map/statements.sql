-- EXPLODE takes an array, not a map.
CREATE STREAM s (id STRING KEY, m MAP<STRING, INT>) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, EXPLODE(m) AS e FROM s;
