-- One row per member of the program's competence committee (chair first), for the members-present
-- list. Only someone who holds a role in the program gets rows.
-- Parameters: $viewer, $program_id.
select g.person_id, p.name, max(g.role = 'committee_chair') as is_chair
from roles as g
join people as p on p.person_id = g.person_id
where g.program_id = $program_id
    and g.role in ('committee_chair', 'committee_member')
    and exists (select 1 from roles where person_id = $viewer and program_id = $program_id)
group by g.person_id, p.name
order by is_chair desc, p.name
