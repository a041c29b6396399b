-- A windowed source joins on its windowed key only: joining on a value column would repartition
-- it, which ksqlDB refuses.
CREATE STREAM a (k STRING KEY, id INT, v BIGINT)
  WITH (kafka_topic='a', value_format='JSON', WINDOW_TYPE='SESSION');
CREATE STREAM b (k STRING KEY, id INT, v BIGINT)
  WITH (kafka_topic='b', value_format='JSON', WINDOW_TYPE='SESSION');

CREATE STREAM out AS SELECT * FROM a JOIN b WITHIN 1 MINUTE ON a.id = b.id;
