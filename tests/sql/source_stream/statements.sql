-- CREATE SOURCE STREAM declares a read-only stream: queries read it like any other.
CREATE SOURCE STREAM feed (id STRING KEY, v INT) WITH (kafka_topic='feed', value_format='JSON');
CREATE STREAM feed_copy AS SELECT id, v * 10 AS v FROM feed;
