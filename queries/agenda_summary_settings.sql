-- The program settings under which the agenda of the program's meeting on $as_of was kept; no row when
-- it is not kept.
-- Parameters: $program_id, $as_of.
select settings
from agenda_summary_meetings
where program_id = $program_id and meeting_date = $as_of
