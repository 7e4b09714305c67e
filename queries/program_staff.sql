-- One row per person known to the program (holding a role there, or having assessed or coached one of
-- its residents), for choosing whom to give a role. Only an administrator of the program gets rows.
-- Parameters: $viewer, $program_id.
with known as (
    select person_id from roles where program_id = $program_id
    union
    select x.assessor_id
    from assessments as x
    join residents as r on r.resident_id = x.resident_id
    where r.program_id = $program_id
    union
    select a.coach_id
    from coach_assignments as a
    join residents as r on r.resident_id = a.resident_id
    where r.program_id = $program_id
)

select p.person_id, p.name
from known as k
join people as p on p.person_id = k.person_id
where holds_role($viewer, $program_id, ['admin'])
order by p.name
