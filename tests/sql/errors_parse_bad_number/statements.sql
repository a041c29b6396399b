-- A number literal too big for a BIGINT.
CREATE STREAM s (id STRING KEY, v BIGINT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, v + 99999999999999999999 AS w FROM s;
