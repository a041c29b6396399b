-- A ${variable} that was never defined is not substituted, and then does not parse.
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON');
CREATE STREAM o AS SELECT id, ${undefined_col} FROM s;
