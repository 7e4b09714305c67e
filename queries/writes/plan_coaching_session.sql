-- Records the next coaching session as planned (upcoming) on $day.
-- Parameters: $session_id, $resident_id, $coach_id, $day.
insert into coaching_sessions (session_id, resident_id, coach_id, scheduled_date, status)
values ($session_id, $resident_id, $coach_id, $day, 'upcoming')
