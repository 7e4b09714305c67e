-- Adds a person by name (nothing changes when the id is known already).
-- Parameters: $person_id, $name.
insert into people (person_id, name) values ($person_id, $name)
on conflict do nothing
