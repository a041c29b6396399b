-- AVG is a DOUBLE: the sum of the group's non-NULL values over their count, an INT or BIGINT sum
-- divided as a double (1 and 2 average to 1.5); a group that has only seen NULLs averages to 0.0.
-- The result's timestamp is the group's latest input timestamp, also after an earlier record.
CREATE STREAM readings (id STRING KEY, sensor STRING, i INT, b BIGINT, d DOUBLE)
  WITH (kafka_topic='readings', value_format='JSON');

CREATE TABLE averages AS
  SELECT sensor, AVG(i) AS ai, AVG(b) AS ab, AVG(d) AS ad
  FROM readings
  GROUP BY sensor;
