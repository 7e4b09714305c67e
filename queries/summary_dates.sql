-- The dates whose agendas are kept for the program: today (what the resident and coaching pages open
-- on) and each of its meetings from today on. A past date's agenda is computed when opened.
-- Parameters: $program_id, $today.
select $today::date as meeting_date
union
select m.meeting_date
from committee_meetings as m
where m.program_id = $program_id and m.meeting_date >= $today
order by meeting_date
