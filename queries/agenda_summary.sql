-- The agenda kept for the program's meeting on $as_of (agenda_summaries), for the residents the viewer
-- may see, in the agenda's order.
-- Parameters: $viewer, $program_id, $as_of.
select s.* exclude (program_id, meeting_date, position)
from agenda_summaries as s
where s.program_id = $program_id
    and s.meeting_date = $as_of
    and s.resident_id in (select resident_id from visible_residents($viewer))
order by s.position
