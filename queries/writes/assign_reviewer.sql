-- Makes a committee member the resident's primary or secondary reviewer ($reviewer_role) for a meeting.
-- Parameters: $program_id, $meeting_date, $resident_id, $reviewer_role, $person_id, $assigned_by,
-- $assigned_at.
insert into meeting_reviewers
values ($program_id, $meeting_date, $resident_id, $reviewer_role, $person_id, $assigned_by, $assigned_at)
