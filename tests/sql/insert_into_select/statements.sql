-- INSERT INTO ... SELECT: two streams merged into one sink (created by CSAS or declared), in
-- arrival order, with projections that match the sink's schema, and a WHERE on one of them.
CREATE STREAM web (user_id STRING KEY, page STRING, ms INT)
  WITH (kafka_topic='web', value_format='JSON');
CREATE STREAM mobile (user_id STRING KEY, screen STRING, secs DOUBLE)
  WITH (kafka_topic='mobile', value_format='JSON');

CREATE STREAM visits AS SELECT user_id, page AS place, CAST(ms AS BIGINT) AS ms FROM web;
INSERT INTO visits
  SELECT user_id, 'app:' + screen AS place, CAST(secs * 1000 AS BIGINT) AS ms
  FROM mobile WHERE secs > 0;

CREATE STREAM audit (user_id STRING KEY, what STRING)
  WITH (kafka_topic='audit', value_format='DELIMITED', partitions=1);
INSERT INTO audit SELECT user_id, page AS what FROM web;
INSERT INTO audit SELECT user_id, screen AS what FROM mobile;
