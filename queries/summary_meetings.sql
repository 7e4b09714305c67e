-- The program's meetings whose agendas are kept: those on or after $today (a past meeting's agenda is
-- computed when opened).
-- Parameters: $program_id, $today.
select m.meeting_date
from committee_meetings as m
where m.program_id = $program_id and m.meeting_date >= $today
order by m.meeting_date
