-- The agenda kept for the program on $as_of (agenda_summaries), for the residents the viewer may see,
-- in the agenda's order; one resident's row alone when $resident_id is given.
-- Parameters: $viewer, $program_id, $as_of, $resident_id (empty: every resident).
select s.* exclude (program_id, meeting_date, position)
from agenda_summaries as s
where s.program_id = $program_id
    and s.meeting_date = $as_of
    and ($resident_id = '' or s.resident_id = $resident_id)
    and s.resident_id in (select resident_id from visible_residents($viewer))
order by s.position
