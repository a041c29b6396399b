-- Keys in JSON and DELIMITED: a single JSON key is an unwrapped value, several key columns are
-- an object (JSON) or a delimited list; FORMAT sets key and value formats at once.
CREATE STREAM single_key (k STRING KEY, v INT)
  WITH (kafka_topic='single_key', format='JSON');

CREATE STREAM multi_key (region STRING KEY, shop INT KEY, sales DOUBLE)
  WITH (kafka_topic='multi_key', key_format='JSON', value_format='JSON');

CREATE STREAM single_out AS SELECT k, v + 1 AS v1 FROM single_key;

CREATE STREAM multi_out AS SELECT region, shop, sales * 2 AS doubled FROM multi_key;

CREATE STREAM multi_delimited WITH (key_format='DELIMITED', value_format='DELIMITED') AS
  SELECT region, shop, sales FROM multi_key;

CREATE STREAM rekeyed WITH (key_format='JSON') AS
  SELECT shop, region, sales FROM multi_key PARTITION BY shop, region;
