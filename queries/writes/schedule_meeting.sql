-- Puts a meeting on the committee's calendar (nothing changes when it is there already).
-- Parameters: $program_id, $meeting_date, $scheduled_by, $scheduled_at.
insert into committee_meetings values ($program_id, $meeting_date, $scheduled_by, $scheduled_at)
on conflict do nothing
