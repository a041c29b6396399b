-- DELIMITED keys: several key columns in one delimited key, with KEY_DELIMITER, and written back
-- in the sink's key format.
CREATE STREAM s (region STRING KEY, shop INT KEY, sales DOUBLE)
  WITH (kafka_topic='s', key_format='DELIMITED', key_delimiter='|', value_format='JSON');
CREATE STREAM o AS SELECT region, shop, sales + 1 AS sales FROM s;
CREATE STREAM o_json WITH (key_format='JSON') AS SELECT region, shop, sales FROM s;
