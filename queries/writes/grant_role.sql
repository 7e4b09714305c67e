-- Gives a person a role in a program (nothing changes when they hold it already).
-- Parameters: $person_id, $program_id, $role.
insert into roles values ($person_id, $program_id, $role)
on conflict do nothing
