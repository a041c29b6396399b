-- A session-windowed source (keys end with the session's end, then its start): a stateless query
-- over it reads WINDOWSTART and WINDOWEND, and its output is windowed alike, each record keeping
-- its key's window.
CREATE STREAM sessions (user STRING KEY, pages INT)
  WITH (kafka_topic='sessions', value_format='JSON', WINDOW_TYPE='SESSION');

CREATE STREAM long_sessions AS
  SELECT user, pages
  FROM sessions
  WHERE WINDOWEND - WINDOWSTART >= 60000;
