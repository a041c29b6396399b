-- A SOURCE stream is read-only: INSERT INTO it is rejected.
CREATE SOURCE STREAM feed (id STRING KEY, v INT) WITH (kafka_topic='feed', value_format='JSON');
CREATE STREAM other (id STRING KEY, v INT) WITH (kafka_topic='other', value_format='JSON');
INSERT INTO feed SELECT id, v FROM other;
