-- ROWTIME (like ROWPARTITION and ROWOFFSET) cannot name a column.
CREATE STREAM s (ROWTIME BIGINT) WITH (kafka_topic='s', value_format='JSON');
