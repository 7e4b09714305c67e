-- Forget the kept agendas of the program ($program_id), or of every program when it is empty.
-- Parameters: $program_id.
delete from agenda_summaries where $program_id = '' or program_id = $program_id
