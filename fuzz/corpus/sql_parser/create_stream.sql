CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR KEY, pageid STRING, h BYTES HEADER('x'))
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=4, timestamp='viewtime');
