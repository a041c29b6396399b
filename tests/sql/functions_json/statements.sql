-- JSON string functions with values, invalid JSON and NULL: EXTRACTJSONFIELD (JSONPath with
-- fields, array indexes and bracketed names; non-string results as JSON text), IS_JSON_STRING,
-- JSON_ARRAY_LENGTH.
CREATE STREAM docs (id STRING KEY, doc STRING)
  WITH (kafka_topic='docs', value_format='JSON');

CREATE STREAM json_out AS
  SELECT id,
         EXTRACTJSONFIELD(doc, '$.name') AS name,
         EXTRACTJSONFIELD(doc, '$.tags[1]') AS second_tag,
         EXTRACTJSONFIELD(doc, '$.meta.size') AS meta_size,
         EXTRACTJSONFIELD(doc, '$[''odd key'']') AS odd,
         EXTRACTJSONFIELD(doc, '$.meta') AS meta,
         EXTRACTJSONFIELD(doc, '$.missing') AS missing,
         IS_JSON_STRING(doc) AS is_json,
         JSON_ARRAY_LENGTH(EXTRACTJSONFIELD(doc, '$.tags')) AS n_tags
  FROM docs;
