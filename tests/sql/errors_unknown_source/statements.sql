-- A query reading a stream that was never created.
CREATE STREAM o AS SELECT * FROM nowhere;
