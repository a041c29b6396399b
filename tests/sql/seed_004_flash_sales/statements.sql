-- Seed 004 (flash sales): its ksqlDB statements as written, over JSON inputs — a table
-- transformed (TIMESTAMPTOSTRING, array and map access), page views by page group through a LEFT
-- JOIN to a table, and total sales per product group in tumbling, hopping and session windows.
CREATE TABLE USERS_TABLE (userid VARCHAR PRIMARY KEY, registertime BIGINT, regionid VARCHAR,
    gender VARCHAR, interests ARRAY<VARCHAR>, contactinfo MAP<VARCHAR, VARCHAR>)
  WITH (kafka_topic='users', value_format='JSON');
CREATE STREAM pageviews_stream (viewtime BIGINT, userid VARCHAR, pageid VARCHAR)
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=2);
CREATE TABLE pages_table (page_id VARCHAR PRIMARY KEY, page_group VARCHAR)
  WITH (kafka_topic='pages', value_format='JSON');
CREATE STREAM EXTENDED_FLASHSALES_STREAM (sale_id INT KEY, product_group VARCHAR,
    sale_price DOUBLE, quantity INT)
  WITH (kafka_topic='flashsales', value_format='JSON');

CREATE TABLE USER_TRANSFORMED_TABLE AS
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
FROM USERS_TABLE;

CREATE TABLE PAGEVIEWS_BY_PAGEGROUP_TABLE AS
SELECT
    pt.page_group as key,
    CAST(pt.page_group AS STRING) AS page_group,
    COUNT(*) AS count_view
FROM pageviews_stream pvs
LEFT JOIN pages_table pt ON pt.page_id = pvs.pageid
GROUP BY pt.page_group
EMIT CHANGES;

CREATE TABLE TOTAL_SALES_BY_PRODUCTGROUP_TUMBLING_WINDOW AS
SELECT
    product_group AS key,
    CAST(product_group AS STRING) AS product_group,
    SUM(sale_price * quantity) AS total_sales,
    TIMESTAMPTOSTRING(WINDOWSTART, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS window_start,
    TIMESTAMPTOSTRING(WINDOWEND, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS window_end
FROM EXTENDED_FLASHSALES_STREAM
WINDOW TUMBLING (SIZE 1 HOUR)
GROUP BY product_group
EMIT CHANGES;

CREATE TABLE TOTAL_SALES_BY_PRODUCTGROUP_HOPPING_WINDOW AS
SELECT
    product_group AS key,
    CAST(product_group AS STRING) AS product_group,
    SUM(sale_price * quantity) AS total_sales,
    TIMESTAMPTOSTRING(WINDOWSTART, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS window_start,
    TIMESTAMPTOSTRING(WINDOWEND, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS window_end
FROM EXTENDED_FLASHSALES_STREAM
WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 30 MINUTES)
GROUP BY product_group
EMIT CHANGES;

CREATE TABLE TOTAL_SALES_BY_PRODUCTGROUP_SESSION_WINDOW AS
SELECT
    product_group AS key,
    CAST(product_group AS STRING) AS product_group,
    SUM(sale_price * quantity) AS total_sales,
    TIMESTAMPTOSTRING(WINDOWSTART, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS window_start,
    TIMESTAMPTOSTRING(WINDOWEND, 'yyyy-MM-dd HH:mm:ss', 'UTC') AS window_end
FROM EXTENDED_FLASHSALES_STREAM
WINDOW SESSION (15 MINUTES)
GROUP BY product_group
EMIT CHANGES;
