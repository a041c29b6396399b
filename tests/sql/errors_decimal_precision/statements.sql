-- DECIMAL precision is at most 38 and at least the scale.
CREATE STREAM s (a DECIMAL(40, 2)) WITH (kafka_topic='s', value_format='JSON');
