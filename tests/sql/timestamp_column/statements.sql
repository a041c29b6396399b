-- TIMESTAMP='column' takes each record's time (ROWTIME, and the output records' timestamp) from
-- a BIGINT column, a TIMESTAMP column, or a STRING column parsed with TIMESTAMP_FORMAT; a sink's
-- TIMESTAMP property re-times its records. A record whose timestamp column is NULL, or whose text
-- does not match TIMESTAMP_FORMAT, is skipped.
CREATE STREAM by_bigint (id STRING KEY, event_ms BIGINT, v INT)
  WITH (kafka_topic='by_bigint', value_format='JSON', timestamp='event_ms');

CREATE STREAM by_bigint_out AS SELECT id, v, ROWTIME AS rt FROM by_bigint;

CREATE STREAM by_string (id STRING KEY, event_at STRING, v INT)
  WITH (kafka_topic='by_string', value_format='JSON', timestamp='event_at',
        timestamp_format='yyyy-MM-dd HH:mm:ss');

CREATE STREAM by_string_out AS SELECT id, v, ROWTIME AS rt FROM by_string;

CREATE STREAM by_ts (id STRING KEY, happened TIMESTAMP, v INT)
  WITH (kafka_topic='by_ts', value_format='JSON', timestamp='happened');

CREATE STREAM by_ts_out AS SELECT id, v FROM by_ts;

CREATE STREAM retimed WITH (timestamp='new_ts') AS
  SELECT id, v, event_ms + 1000 AS new_ts FROM by_bigint;
