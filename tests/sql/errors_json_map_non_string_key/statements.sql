-- JSON maps have STRING keys only.
CREATE STREAM s (a MAP<INT, STRING>) WITH (kafka_topic='s', value_format='JSON');
