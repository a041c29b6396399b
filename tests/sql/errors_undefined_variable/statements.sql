-- A ${variable} that was never defined is an error, reported at its position.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, ${undefined_col} FROM s;
