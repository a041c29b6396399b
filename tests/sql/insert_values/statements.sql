-- INSERT INTO ... VALUES: with a column list (unlisted columns are NULL, any order), without one
-- (every column, key first), with ROWTIME, with expressions and functions as values, with NULL,
-- into a stream read by a running query, and into a keyless stream.
CREATE STREAM people (id INT KEY, name STRING, age INT, tags ARRAY<STRING>)
  WITH (kafka_topic='people', value_format='JSON');

CREATE STREAM adults AS SELECT id, name, age, tags FROM people WHERE age >= 18;

INSERT INTO people (id, name, age) VALUES (1, 'ann', 30);
INSERT INTO people (age, id) VALUES (40, 2);
INSERT INTO people VALUES (3, 'bob', 12, ARRAY['kid']);
INSERT INTO people (ROWTIME, id, name, age) VALUES (123456, 4, 'cy', 18);
INSERT INTO people (id, name, age, tags) VALUES (2 + 3, UCASE('dee'), CAST('21' AS INT), ARRAY['a', 'b']);
INSERT INTO people (id, name, age) VALUES (NULL, NULL, 99);

CREATE STREAM notes (txt STRING) WITH (kafka_topic='notes', value_format='DELIMITED');
CREATE STREAM notes_copy AS SELECT txt FROM notes;
INSERT INTO notes (txt) VALUES ('hello, world');
