-- The demo users offered when no sign-in is configured and the database holds only the demo program:
-- one row per kind of user, the first person in the database holding that role (the committee member
-- and the coach chosen among those who hold no other role, so each shows one view; the chair also
-- coaches, so the chair's view shows a recusal).
-- Parameters: none.
with committee_only as (
    select g.person_id
    from roles as g
    where g.role = 'committee_member'
        and not exists (
            select 1 from roles as c where c.person_id = g.person_id and c.role = 'coach'
        )
),

candidates as (
    select 'Program lead' as kind, 1 as sort_order, person_id from roles where role = 'program_lead'
    union all
    select 'Committee chair', 2, person_id from roles where role = 'committee_chair'
    union all
    select 'Committee member', 3, person_id from committee_only
    union all
    select 'Coach', 4, person_id from roles as g
    where g.role = 'coach'
        and not exists (select 1 from roles as o where o.person_id = g.person_id and o.role <> 'coach')
    union all
    select 'Administrator', 5, person_id from roles where role = 'admin'
),

first_of_kind as (
    select kind, sort_order, min(person_id) as person_id
    from candidates
    group by kind, sort_order
)

select f.kind, f.person_id, p.name
from first_of_kind as f
join people as p on p.person_id = f.person_id
order by f.sort_order
