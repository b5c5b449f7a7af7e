-- 006: a lifecycle clock that is safe under uneven partitions (issue 13).
-- pipeline_state.pipeline_clock is the newest snapshot time processed from any partition. Partitions drain
-- unevenly (a consumer's batch holds more of one partition than another; a dead member's partitions wait
-- for the group's session timeout), so a closer judging silence against that clock ended flights whose
-- states were still waiting in Kafka. The closer now runs on the minimum over the topic's partitions.

-- Per partition of the state topic: the newest snapshot whose marker has been processed there. The publisher
-- sends a snapshot marker to every partition after each snapshot's states (docs/message-contract.md), and a
-- partition is read in order, so "marker of T processed" means every state of every snapshot up to T that went
-- to this partition is in the warehouse. Written in the same transaction as the batch that carried the marker.
create table partition_clocks (
    partition  integer     primary key,
    clock      timestamptz not null,
    constraint partition_clocks_partition_non_negative check (partition >= 0)
);

-- How many partitions the topic has, as the newest markers say (every marker carries the count the publisher
-- sent markers to). Until every partition below this count has a clock there is no safe clock and the closer
-- ends nothing. Kafka can add partitions but never remove them, so the count only grows; a topic re-created
-- with fewer partitions needs `truncate partition_clocks; update pipeline_state set partition_count = null;`.
alter table pipeline_state add column partition_count integer;
