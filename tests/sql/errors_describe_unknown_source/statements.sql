-- DESCRIBE of a source that does not exist.
DESCRIBE nowhere;
