-- Puts a resident on a meeting's agenda by hand (nothing changes when they are on it already).
-- Parameters: $program_id, $meeting_date, $resident_id, $added_by, $added_at.
insert into meeting_additions values ($program_id, $meeting_date, $resident_id, $added_by, $added_at)
on conflict do nothing
