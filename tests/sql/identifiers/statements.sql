-- Identifiers: unquoted names are upper-cased (any case matches), back-quoted names keep their
-- case and may be keywords or hold spaces; comments of both kinds are ignored.
CREATE STREAM `Mixed Src` (`id` STRING KEY, `Amount` INT, `select` STRING, plain INT)
  WITH (kafka_topic='mixed', value_format='JSON'); -- trailing comment

/* a block comment; with a semicolon */
CREATE STREAM out AS
  SELECT `id`, `Amount` * 2 AS `Doubled`, `select` AS kw, PLAIN + pLaIn AS twice
  FROM `Mixed Src`;

-- A later query must spell the case-preserved name exactly.
CREATE STREAM out2 AS SELECT `id`, `Doubled` + 1 AS `d1` FROM out;
