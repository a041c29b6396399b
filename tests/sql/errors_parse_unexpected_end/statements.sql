-- A statement cut off in the middle.
CREATE STREAM s (id STRING KEY, v
