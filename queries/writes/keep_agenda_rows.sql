-- Keep a meeting's agenda: the rows of the frame registered as kept_agenda, in the columns of
-- agenda_summaries.
-- Parameters: none.
insert into agenda_summaries by name
select * from kept_agenda
