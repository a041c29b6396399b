-- PARTITION BY is applied to the input: an output alias cannot name the partitioning.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, n AS something FROM s PARTITION BY something;
