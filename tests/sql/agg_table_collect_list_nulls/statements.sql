-- COLLECT_LIST and COUNT(col) over a table whose rows have NULL values: COLLECT_LIST keeps a NULL as
-- an element and an update or a tombstone removes it again (the last NULL), while COUNT(role)
-- neither counts nor uncounts it.
CREATE TABLE members (id STRING PRIMARY KEY, team STRING, role STRING)
  WITH (kafka_topic='members', value_format='JSON');

CREATE TABLE roles AS
  SELECT team, COLLECT_LIST(role) AS roles, COUNT(role) AS known, COUNT(*) AS n
  FROM members
  GROUP BY team;
