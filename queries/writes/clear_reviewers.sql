-- Forgets a resident's reviewers for a meeting, before assign_reviewer assigns them again.
-- Parameters: $program_id, $meeting_date, $resident_id.
delete from meeting_reviewers
where program_id = $program_id and meeting_date = $meeting_date and resident_id = $resident_id
