-- TERMINATE stops a query (its sink stays, and can be dropped); DROP STREAM [IF EXISTS]
-- [DELETE TOPIC] removes a source; a dropped name can be created again, here writing the same
-- topic from a new query. TERMINATE ALL stops every query. A stopped query's sink receives only
-- what later queries write into it, so a query that kept running would show as extra records.
CREATE STREAM src (id STRING KEY, v INT) WITH (kafka_topic='src', value_format='JSON');

CREATE STREAM doubled AS SELECT id, v * 2 AS v FROM src;
TERMINATE CSAS_DOUBLED_0;
DROP STREAM doubled;
CREATE STREAM doubled AS SELECT id, v * 3 AS v FROM src;
TERMINATE CSAS_DOUBLED_1;

CREATE STREAM gone AS SELECT id, v FROM src;
TERMINATE CSAS_GONE_2;
DROP STREAM gone DELETE TOPIC;
DROP STREAM IF EXISTS gone;
DROP STREAM IF EXISTS never_created;

CREATE STREAM stopped AS SELECT id, v FROM src;
TERMINATE ALL;
INSERT INTO stopped SELECT id, v + 100 AS v FROM src;
INSERT INTO doubled SELECT id, v * 4 AS v FROM src;
