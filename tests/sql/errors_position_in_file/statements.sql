-- Error positions count from the start of the statements file, also for a statement that
-- starts in the middle of a line, after a block comment.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON'); /* x */ CREATE STREAM o AS SELECT id, nope FROM s;
