-- INSERT INTO ... SELECT whose columns widen to the sink's types: an INTEGER into BIGINT, a
-- DECIMAL(2, 1) into DECIMAL(5, 2), and numeric literals into DECIMAL columns (ksqlDB resolves a
-- literal's type from its destination). Each cast column keeps its own value (the casts added
-- after planning get expression slots of their own).
CREATE STREAM src (id STRING KEY, n INT, d DECIMAL(2, 1))
  WITH (kafka_topic='src', value_format='JSON');
CREATE STREAM dst (id STRING KEY, n BIGINT, d DECIMAL(5, 2), one DECIMAL(5, 2), two DECIMAL(5, 2))
  WITH (kafka_topic='dst', value_format='JSON', partitions=1);
INSERT INTO dst SELECT id, n, d, 1 AS one, 2.5 AS two FROM src;
