-- SUM (INT, DOUBLE, DECIMAL), AVG and COUNT over a table: an update retracts the row's old values
-- from their group before adding the new ones (one update when the group stays the same, as in
-- ksqlDB's "collect_list int table"; the old group first when it moves); a tombstone retracts the
-- row, one for an unknown key does nothing, and a row whose group becomes NULL leaves its old
-- group. A NULL value is neither added nor retracted; emptied groups go back to 0 and 0.0.
CREATE TABLE accounts (id STRING PRIMARY KEY, branch STRING, balance INT, rate DOUBLE,
                       fee DECIMAL(5,2))
  WITH (kafka_topic='accounts', value_format='JSON');

CREATE TABLE per_branch AS
  SELECT branch, COUNT(*) AS n, COUNT(rate) AS rated, SUM(balance) AS total, SUM(rate) AS rates,
         SUM(fee) AS fees, AVG(rate) AS avg_rate, AVG(balance) AS avg_balance
  FROM accounts
  GROUP BY branch;
