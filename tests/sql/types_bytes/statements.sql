-- BYTES: base64 in JSON, TO_BYTES/FROM_BYTES with hex (upper-case), utf8 (invalid bytes become
-- U+FFFD, as Java decodes them) and base64, SUBSTRING, LPAD/RPAD (padding or truncating),
-- comparison and nulls.
CREATE STREAM blobs (id STRING KEY, b BYTES, s STRING)
  WITH (kafka_topic='blobs', value_format='JSON');

CREATE STREAM blobs_out AS
  SELECT id, b,
         FROM_BYTES(b, 'hex') AS hex,
         FROM_BYTES(b, 'utf8') AS text,
         FROM_BYTES(b, 'base64') AS b64,
         TO_BYTES(s, 'utf8') AS from_text,
         TO_BYTES('0AFF', 'hex') AS from_hex,
         SUBSTRING(b, 2) AS tail,
         SUBSTRING(b, 1, 2) AS head,
         b = TO_BYTES(s, 'utf8') AS same,
         LPAD(b, 7, TO_BYTES('00', 'hex')) AS lpadded,
         RPAD(b, 2, TO_BYTES('00', 'hex')) AS rpadded
  FROM blobs;
