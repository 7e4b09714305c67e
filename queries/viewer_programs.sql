-- One row per program in which the viewer holds any role, with the list of those roles.
-- Parameters: $viewer (person_id).
select p.program_id, p.name, list(g.role order by g.role) as roles
from roles as g
join programs as p on p.program_id = g.program_id
where g.person_id = $viewer
group by p.program_id, p.name
order by p.name
