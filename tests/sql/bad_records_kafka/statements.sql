-- KAFKA keys and values of the wrong size for their type are skipped (and reported): an INT key
-- must be 4 bytes, a BIGINT value 8 bytes; the records around them flow.
CREATE STREAM ids (k INT KEY, v BIGINT)
  WITH (kafka_topic='ids', key_format='KAFKA', value_format='KAFKA');

CREATE STREAM ids_out WITH (value_format='JSON') AS SELECT k, v FROM ids;
