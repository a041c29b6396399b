-- Stateless queries over a TABLE: CREATE TABLE with a PRIMARY KEY, a filtered and projected
-- CTAS (rows that stop matching become tombstones), and tombstones passing through.
CREATE TABLE users (id STRING PRIMARY KEY, name STRING, age INT)
  WITH (kafka_topic='users', value_format='JSON');

CREATE TABLE adults AS SELECT id, UCASE(name) AS name, age FROM users WHERE age >= 18;
