-- DROP of a source that does not exist (without IF EXISTS).
DROP STREAM never_created;
