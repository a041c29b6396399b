-- A statement Sluice cannot run yet (SESSION windows with LATEST_BY_OFFSET, whose sessions do
-- not merge yet): the runner says "Test skipped" and exits non-zero, so a user's CI never counts
-- an unverified test as passed. When it lands, pick another unsupported feature for this file.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE o AS SELECT id, LATEST_BY_OFFSET(v) AS v FROM s WINDOW SESSION (30 SECONDS) GROUP BY id;
