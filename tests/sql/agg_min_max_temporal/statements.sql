-- MIN and MAX of DATE (days), TIME (ms of the day), TIMESTAMP (ms) and BYTES (Base64 in JSON), as
-- in ksqlDB 7.2+: NULLs are ignored; BYTES compare as signed bytes, as Java's ByteBuffer does, so
-- 0x7F is above 0x80.
CREATE STREAM ev (id STRING KEY, k STRING, dt DATE, tm TIME, stamp TIMESTAMP, bs BYTES)
  WITH (kafka_topic='ev', value_format='JSON');

CREATE TABLE ranges AS
  SELECT k, MIN(dt) AS min_dt, MAX(dt) AS max_dt, MIN(tm) AS min_tm, MIN(stamp) AS min_stamp,
         MAX(stamp) AS max_stamp, MIN(bs) AS min_bs, MAX(bs) AS max_bs
  FROM ev
  GROUP BY k;
