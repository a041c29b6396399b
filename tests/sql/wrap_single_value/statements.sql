-- WRAP_SINGLE_VALUE=false: a single value column is the bare JSON value instead of an object
-- with one field, on sources and sinks; a sink without it wraps again (the default).
CREATE STREAM bare (k STRING KEY, amount DOUBLE)
  WITH (kafka_topic='bare', value_format='JSON', wrap_single_value=false);

CREATE STREAM wrapped AS SELECT k, amount * 2 AS amount FROM bare;

CREATE STREAM unwrapped WITH (wrap_single_value=false) AS SELECT k, amount + 1 AS amount FROM bare;

CREATE STREAM nested_bare (k STRING KEY, tags ARRAY<STRING>)
  WITH (kafka_topic='nested_bare', value_format='JSON', wrap_single_value=false);

CREATE STREAM tags_out WITH (wrap_single_value=false) AS SELECT k, tags[1] AS first FROM nested_bare;
