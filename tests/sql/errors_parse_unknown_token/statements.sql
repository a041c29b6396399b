-- A misspelt keyword: the parser names the line, the column and the offending token.
CREATE STREAM ok (id STRING KEY, v INT) WITH (kafka_topic='ok', value_format='JSON');
CREATE STRAEM bad (id STRING KEY, v INT) WITH (kafka_topic='bad', value_format='JSON');
