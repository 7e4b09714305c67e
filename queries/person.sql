-- One row for the person: their name.
-- Parameters: $person_id.
select p.person_id, p.name
from people as p
where p.person_id = $person_id
