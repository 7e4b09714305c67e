-- One row per program in which the viewer holds any role.
-- Parameters: $viewer (person_id).
select distinct p.program_id, p.name
from roles as g
join programs as p on p.program_id = g.program_id
where g.person_id = $viewer
order by p.name
