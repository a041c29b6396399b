-- The standard deviations, over the group's non-NULL values: STDDEV_SAMPLE is the sample standard
-- deviation; STDDEV_SAMP returns the sample *variance* (ksqlDB's documented quirk, kept for
-- compatibility); STDDEV_POP (a Sluice addition, not in ksqlDB) the population standard deviation.
-- With fewer than two values (none, or only NULLs) each is 0.0, as ksqlDB's are.
CREATE STREAM samples (id STRING KEY, g STRING, v INT, d DOUBLE)
  WITH (kafka_topic='samples', value_format='JSON');

CREATE TABLE spread AS
  SELECT g, STDDEV_SAMP(v) AS var_v, STDDEV_SAMPLE(v) AS sd_v, STDDEV_POP(v) AS pop_v,
         STDDEV_SAMPLE(d) AS sd_d, STDDEV_POP(d) AS pop_d
  FROM samples
  GROUP BY g;
