-- KEY_FORMAT='NONE': a source without key columns ignores whatever key bytes the records carry,
-- and a query writing a keyless sink writes records without keys. PARTITION BY gives the sink a
-- key again (in the source's key format unless KEY_FORMAT says otherwise).
CREATE STREAM keyless (v STRING, n INT)
  WITH (kafka_topic='keyless', key_format='NONE', value_format='JSON');

CREATE STREAM keyless_copy AS SELECT v, n FROM keyless;

CREATE STREAM keyed WITH (key_format='KAFKA') AS SELECT v, n FROM keyless PARTITION BY v;
