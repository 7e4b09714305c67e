-- Removes the coach's planned (upcoming) sessions with the resident that a session logged on $day
-- replaces: one planned that day, and, when the logged session plans the next one ($next_planned_date),
-- every one planned after it.
-- Parameters: $resident_id, $coach_id, $day, $next_planned_date.
delete from coaching_sessions
where resident_id = $resident_id
    and coach_id = $coach_id
    and status = 'upcoming'
    and (scheduled_date = $day or ($next_planned_date is not null and scheduled_date > $day))
