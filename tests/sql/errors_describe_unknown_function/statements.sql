-- DESCRIBE FUNCTION of a function that does not exist.
DESCRIBE FUNCTION NO_SUCH_FN;
