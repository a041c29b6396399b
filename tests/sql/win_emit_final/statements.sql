-- EMIT FINAL: one result per window, when stream time passes its end + grace (out-of-order
-- records within the grace period still count; a late one is dropped and reported). With a
-- RETENTION longer than SIZE + GRACE every window is emitted, also when stream time jumps past
-- several windows at once (s1's [10 s, 20 s) at 35 s).
CREATE STREAM readings (sensor STRING KEY, temp DOUBLE)
  WITH (kafka_topic='readings', value_format='JSON');

-- Output buffering (ksqlDB's record cache) does not hold these results back.
SET 'ksql.streams.cache.max.bytes.buffering'='10000000';

CREATE TABLE final_avg AS
  SELECT sensor, AVG(temp) AS avg_temp, COUNT(*) AS n
  FROM readings
  WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 1 HOUR, GRACE PERIOD 2 SECONDS)
  GROUP BY sensor
  EMIT FINAL;
