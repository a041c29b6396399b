-- A character that is not part of the language.
CREATE STREAM s (id STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, v # 2 AS w FROM s;
