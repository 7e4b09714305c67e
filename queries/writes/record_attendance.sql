-- Records that a member attends a meeting.
-- Parameters: $program_id, $meeting_date, $person_id, $recorded_by, $recorded_at.
insert into meeting_attendance values ($program_id, $meeting_date, $person_id, $recorded_by, $recorded_at)
