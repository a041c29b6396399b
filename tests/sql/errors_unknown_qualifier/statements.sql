-- A qualifier that names no source in scope; a known one with an unknown column is the
-- usual "cannot be resolved" (errors_unknown_column).
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, other.v FROM s;
