-- Forgets who was recorded as attending a meeting, before record_attendance records it again.
-- Parameters: $program_id, $meeting_date.
delete from meeting_attendance
where program_id = $program_id and meeting_date = $meeting_date
