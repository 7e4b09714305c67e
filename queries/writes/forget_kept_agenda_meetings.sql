-- Forget which agendas are kept for the program ($program_id), or for every program when it is empty.
-- Parameters: $program_id.
delete from agenda_summary_meetings where $program_id = '' or program_id = $program_id
