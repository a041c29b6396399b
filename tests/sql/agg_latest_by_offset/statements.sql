-- LATEST_BY_OFFSET(v) and LATEST_BY_OFFSET(v, true) keep the last non-NULL value (NULL until there
-- is one); LATEST_BY_OFFSET(v, false) the last value, NULL included. The N form keeps the latest N
-- values, oldest first: an empty array until a value when NULLs are ignored, NULLs as elements
-- when they are not. A tombstone (a record with a NULL value) is no row: not even a NULL v.
CREATE STREAM events (id STRING KEY, dev STRING, v INT)
  WITH (kafka_topic='events', value_format='JSON');

CREATE TABLE latest AS
  SELECT dev,
         LATEST_BY_OFFSET(v) AS l,
         LATEST_BY_OFFSET(v, true) AS l_ignore,
         LATEST_BY_OFFSET(v, false) AS l_nulls,
         LATEST_BY_OFFSET(v, 2) AS l2,
         LATEST_BY_OFFSET(v, 2, false) AS l2_nulls
  FROM events
  GROUP BY dev;
