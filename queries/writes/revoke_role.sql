-- Takes a role in a program away from a person; its count is one when they held it.
-- Parameters: $person_id, $program_id, $role.
delete from roles
where person_id = $person_id and program_id = $program_id and role = $role
