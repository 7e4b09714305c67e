-- One row per person who holds a role in the program, with their roles and sign-in identities, for
-- the administrator's access page. Only an administrator of the program gets any rows.
-- Parameters: $viewer, $program_id.
with members as (
    select g.person_id, list(g.role order by g.role) as roles
    from roles as g
    where g.program_id = $program_id and holds_role($viewer, $program_id, ['admin'])
    group by g.person_id
)

select
    m.person_id,
    p.name,
    m.roles,
    coalesce((
        select list(i.identity order by i.identity)
        from sign_in_identities as i
        where i.person_id = m.person_id
    ), []) as identities
from members as m
join people as p on p.person_id = m.person_id
order by p.name
