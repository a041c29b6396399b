-- TERMINATE of a query id that does not exist.
TERMINATE CSAS_NOPE_7;
