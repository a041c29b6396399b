-- Hopping windows of 10 s every 5 s, no grace, grouped by the key (no repartition): a record
-- counts in every window holding its timestamp (one update each, oldest window first); a record
-- late for one of its windows still counts in the others, and one late for all is dropped.
CREATE STREAM readings (sensor STRING KEY, temp DOUBLE)
  WITH (kafka_topic='readings', value_format='JSON');

CREATE TABLE avg_temp AS
  SELECT sensor, AVG(temp) AS avg_temp, COUNT(*) AS n
  FROM readings
  WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS, GRACE PERIOD 0 SECONDS)
  GROUP BY sensor;
