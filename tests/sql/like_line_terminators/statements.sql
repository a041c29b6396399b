-- LIKE as ksqlDB evaluates it (a Java regex where % is .* and _ is .): wildcards do not match a
-- line terminator, which only a literal newline in the pattern matches; special regex characters
-- in the pattern are literal.
CREATE STREAM notes (id STRING KEY, txt STRING) WITH (kafka_topic='notes', value_format='JSON');
CREATE STREAM notes_out AS
  SELECT id,
         txt LIKE 'first%' AS starts_first,
         txt LIKE '%line' AS ends_line,
         txt LIKE CONCAT('first', CHR(10), '%') AS literal_newline,
         txt LIKE 'a.c' AS dot_is_literal
  FROM notes;
