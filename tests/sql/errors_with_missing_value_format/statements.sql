-- CREATE STREAM without VALUE_FORMAT (and no default set).
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s');
