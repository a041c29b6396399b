-- A record that cannot be decoded is skipped; the records around it still flow.
CREATE STREAM readings (sensor STRING KEY, celsius DOUBLE)
  WITH (kafka_topic='readings', value_format='JSON');

CREATE STREAM fahrenheit AS
  SELECT sensor, ROUND(celsius * 9 / 5 + 32, 1) AS f FROM readings;
