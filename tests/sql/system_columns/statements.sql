-- The pseudo columns ROWTIME (the record's timestamp), ROWPARTITION and ROWOFFSET: selectable,
-- usable in expressions and WHERE, not part of SELECT *.
CREATE STREAM ticks (id STRING KEY, v INT)
  WITH (kafka_topic='ticks', value_format='JSON');

CREATE STREAM ticks_meta AS
  SELECT id, v, ROWTIME AS rt, ROWPARTITION AS part, ROWOFFSET AS off,
         TIMESTAMPTOSTRING(ROWTIME, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS at_text
  FROM ticks
  WHERE ROWTIME >= 2000 AND ROWOFFSET <> 3;

CREATE STREAM ticks_star AS SELECT * FROM ticks WHERE ROWOFFSET = 0;
