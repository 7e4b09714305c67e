-- Say that the program's agenda for a meeting is kept, and under which settings.
-- Parameters: $program_id, $meeting_date, $settings.
insert into agenda_summary_meetings values ($program_id, $meeting_date, $settings)
