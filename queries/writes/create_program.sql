-- Adds a program; its count is one when it is new.
-- Parameters: $program_id, $name, $discipline.
insert into programs (program_id, name, discipline) values ($program_id, $name, $discipline)
on conflict do nothing
