-- Adds a reviewer's pre-meeting note on a resident (a new version: the latest counts).
-- Parameters: $program_id, $meeting_date, $resident_id, $reviewer_id, $note, $written_at.
insert into reviewer_notes values ($program_id, $meeting_date, $resident_id, $reviewer_id, $note, $written_at)
