-- Calls that differ only in a literal parameter are different aggregates (TOPK(v, 2), TOPK(v, 3);
-- LATEST_BY_OFFSET(v) and its N form); the same call written again, in any letter case, gives the
-- same value wherever it is used: in expressions over aggregates, and in HAVING, which deletes the
-- group (a tombstone) when it stops passing and emits nothing for a group that never passed.
CREATE STREAM s (id STRING KEY, g STRING, v INT) WITH (kafka_topic='s', value_format='JSON');

CREATE TABLE t AS
  SELECT g, TOPK(v, 2) AS t2, TOPK(v, 3) AS t3, SUM(v) AS total, sum(v) * 2 AS twice,
         MAX(v) - MIN(v) AS spread, COUNT(*) AS n, COUNT(v) AS nv, LATEST_BY_OFFSET(v, 1) AS l1,
         LATEST_BY_OFFSET(v) AS l
  FROM s
  GROUP BY g
  HAVING Sum(v) > 0;
