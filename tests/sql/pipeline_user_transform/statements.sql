-- A clean-up pipeline of the kind Sluice replaces: a users TABLE whose JSON values carry an
-- epoch-ms registration time, an interests array and a contact-info map, flattened into columns
-- by a CREATE TABLE AS SELECT (array index, map lookup, TIMESTAMPTOSTRING).
CREATE TABLE users_table (userid STRING PRIMARY KEY, registertime BIGINT, gender STRING,
                          regionid STRING, interests ARRAY<STRING>,
                          contactinfo MAP<STRING, STRING>)
  WITH (kafka_topic='users', value_format='JSON');

CREATE TABLE user_transformed_table AS
SELECT
  userid,
  TIMESTAMPTOSTRING(registertime, 'yyyy-MM-dd HH:mm:ss') AS registertime,
  gender,
  regionid,
  interests[1] AS interests_1,
  interests[2] AS interests_2,
  contactinfo['phone'] AS phone,
  contactinfo['city'] AS city,
  contactinfo['state'] AS state,
  contactinfo['zipcode'] AS zipcode
FROM users_table;
