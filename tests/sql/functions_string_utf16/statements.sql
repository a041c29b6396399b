-- String lengths and positions count Java chars (UTF-16 units), as ksqlDB's functions do: a
-- character outside the Basic Multilingual Plane (an emoji) counts 2.
CREATE STREAM msgs (id STRING KEY, txt STRING) WITH (kafka_topic='msgs', value_format='JSON');
CREATE STREAM msgs_out AS
  SELECT id, LEN(txt) AS len, SUBSTRING(txt, 4) AS after_emoji, INSTR(txt, 'b') AS b_at,
         CHR(128512) AS grin
  FROM msgs;
