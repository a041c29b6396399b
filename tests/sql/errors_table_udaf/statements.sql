-- Aggregate functions that cannot retract are refused over a table.
CREATE TABLE t (id STRING PRIMARY KEY, a STRING, b INT) WITH (kafka_topic='t', value_format='JSON');
CREATE TABLE agg AS SELECT a, MAX(b) AS hi, MIN(b) AS lo, COUNT(*) AS n FROM t GROUP BY a;
