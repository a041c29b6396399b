-- Every aggregate that cannot undo a value (not one of ksqlDB's TableUdafs) is named, in the order
-- of the query, when it is used over a table source.
CREATE TABLE t (id STRING PRIMARY KEY, g STRING, v INT) WITH (kafka_topic='t', value_format='JSON');
CREATE TABLE agg AS
  SELECT g, COUNT_DISTINCT(v) AS a, COLLECT_SET(v) AS b, TOPK(v, 2) AS c, TOPKDISTINCT(v, 2) AS d,
         EARLIEST_BY_OFFSET(v) AS e, SUM(v) AS total
  FROM t GROUP BY g;
