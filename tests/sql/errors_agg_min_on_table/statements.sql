-- MIN is not a table aggregate (it cannot undo a value), so it is refused over a table source.
CREATE TABLE t (id STRING PRIMARY KEY, g STRING, v INT) WITH (kafka_topic='t', value_format='JSON');
CREATE TABLE agg AS SELECT g, MIN(v) AS lo, SUM(v) AS total FROM t GROUP BY g;
