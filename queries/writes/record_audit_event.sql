-- Appends one audit event per resident of $resident_ids (a list of one null for an event about no
-- resident). The audit trail's only statement: events are added, never changed or removed.
-- Parameters: $occurred_at, $actor_id, $identity, $action, $program_id, $resident_ids, $detail, $origin.
insert into audit_log (occurred_at, actor_id, identity, action, program_id, resident_id, detail, origin)
select $occurred_at, $actor_id, $identity, $action, $program_id, unnest($resident_ids), $detail, $origin
