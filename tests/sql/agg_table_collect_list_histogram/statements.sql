-- COLLECT_LIST and HISTOGRAM over a table: an update or a tombstone removes the row's old value
-- from its group (COLLECT_LIST removes the last equal element, as ksqlDB's undo does; HISTOGRAM
-- drops a key whose count reaches 0), so a group's list and counts follow its current rows.
CREATE TABLE members (id STRING PRIMARY KEY, team STRING, role STRING)
  WITH (kafka_topic='members', value_format='JSON');

CREATE TABLE roster AS
  SELECT team, COLLECT_LIST(role) AS roles, HISTOGRAM(role) AS role_counts
  FROM members
  GROUP BY team;
