-- DELIMITED fields of every primitive type: BOOLEAN (Java's Boolean.parseBoolean: 'true' in
-- any case, anything else false), INT, BIGINT, DOUBLE, DECIMAL (padded to the scale; more digits
-- than the scale skip the record, as ksqlDB's decoder does not round), STRING,
-- TIMESTAMP (epoch ms), DATE (days), TIME (ms of the day), BYTES (Base64); written back the
-- same way.
CREATE STREAM d_in (id STRING KEY, b BOOLEAN, i INT, l BIGINT, d DOUBLE, dec DECIMAL(5,2),
                    s STRING, ts TIMESTAMP, dt DATE, tm TIME, bin BYTES)
  WITH (kafka_topic='d_in', value_format='DELIMITED');
CREATE STREAM d_out AS SELECT * FROM d_in;
CREATE STREAM d_json WITH (value_format='JSON') AS SELECT * FROM d_in;
