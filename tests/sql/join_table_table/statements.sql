-- Table-table joins: every change on either side re-joins its key. FULL OUTER keeps a key while
-- either side has a row (a synthetic ROWKEY key, selected under a name) and deletes it when
-- neither has; an INNER join with WHERE emits a key's row while the joined row passes and a
-- delete when it stops passing, nothing for a key whose row never passed.
CREATE TABLE users (id INT PRIMARY KEY, name STRING)
  WITH (kafka_topic='users', value_format='JSON');
CREATE TABLE scores (id INT PRIMARY KEY, score INT)
  WITH (kafka_topic='scores', value_format='JSON');

CREATE TABLE user_scores AS
  SELECT ROWKEY AS id, u.name, s.score
  FROM users u FULL OUTER JOIN scores s ON u.id = s.id;

CREATE TABLE high AS
  SELECT u.id AS id, u.name, s.score
  FROM users u JOIN scores s ON u.id = s.id
  WHERE s.score > 15;
