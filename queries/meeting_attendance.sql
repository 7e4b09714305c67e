-- One row per committee member of the program, whether they are recorded as attending the meeting on
-- $as_of, chair first. Only someone holding a committee or program lead role in the program gets rows.
-- Parameters: $viewer, $program_id, $as_of.
with members as (
    select g.person_id, max(g.role = 'committee_chair') as is_chair
    from roles as g
    where g.program_id = $program_id
        and g.role in ('committee_chair', 'committee_member')
        and holds_role($viewer, $program_id, ['committee_chair', 'committee_member', 'program_lead'])
    group by g.person_id
)

select
    m.person_id,
    p.name,
    m.is_chair,
    exists (
        select 1 from meeting_attendance as a
        where a.program_id = $program_id and a.meeting_date = $as_of and a.person_id = m.person_id
    ) as attending
from members as m
join people as p on p.person_id = m.person_id
order by m.is_chair desc, p.name
