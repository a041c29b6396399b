-- DECIMAL arithmetic whose exact result leaves 128 bits (unscaled values reach 10^38, so a
-- product or a rescaled operand can) is NULL, as a result that exceeds its precision is (ksqlDB
-- fails the row's expression); it must not wrap around.
CREATE STREAM nums (id STRING KEY, a DECIMAL(38, 0), b DECIMAL(38, 30))
  WITH (kafka_topic='nums', value_format='JSON');
CREATE STREAM products AS
  SELECT id, a * a AS square, a + b AS total FROM nums;
