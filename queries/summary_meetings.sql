-- The program's meetings whose agendas are kept: the latest one held by $today and every later one.
-- Parameters: $program_id, $today.
select m.meeting_date
from committee_meetings as m
where m.program_id = $program_id
    and m.meeting_date >= coalesce((
        select max(meeting_date) from committee_meetings
        where program_id = $program_id and meeting_date <= $today
    ), m.meeting_date)
order by m.meeting_date
