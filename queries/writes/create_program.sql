-- Adds a program; returns one row when it is new.
-- Parameters: $program_id, $name, $discipline.
insert into programs (program_id, name, discipline) values ($program_id, $name, $discipline)
on conflict do nothing
returning program_id
