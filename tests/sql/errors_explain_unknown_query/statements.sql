-- EXPLAIN of a query id that does not exist.
EXPLAIN CSAS_NOPE_3;
