-- EARLIEST_BY_OFFSET(v) and EARLIEST_BY_OFFSET(v, true) keep the first non-NULL value (NULL until
-- there is one); EARLIEST_BY_OFFSET(v, false) the first value even when it is NULL. The N form keeps
-- the first N values: non-NULL ones by default, NULLs included with false.
CREATE STREAM events (id STRING KEY, dev STRING, v STRING)
  WITH (kafka_topic='events', value_format='JSON');

CREATE TABLE earliest AS
  SELECT dev,
         EARLIEST_BY_OFFSET(v) AS e,
         EARLIEST_BY_OFFSET(v, true) AS e_ignore,
         EARLIEST_BY_OFFSET(v, false) AS e_nulls,
         EARLIEST_BY_OFFSET(v, 2) AS e2,
         EARLIEST_BY_OFFSET(v, 2, false) AS e2_nulls
  FROM events
  GROUP BY dev;
