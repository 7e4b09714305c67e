-- One row per coach of the program: current coachees (on the as-of date) against the ceiling, and the
-- coach's sessions over the twelve months up to the as-of date: held, cancelled by resident or by
-- coach, no-shows, and the share missed. Only for a viewer who may see the program's residents.
-- Parameters: $viewer, $program_id, $as_of, $ceiling.
with coaches as (
    select g.person_id as coach_id, p.name as coach_name
    from roles as g
    join people as p on p.person_id = g.person_id
    where g.program_id = $program_id and g.role = 'coach' and holds_role($viewer, $program_id, ['program_lead', 'committee_chair', 'committee_member'])
),

coachees as (
    select a.coach_id, count(*) as coachees
    from coach_pairs_on($as_of) as a
    join residents as r on r.resident_id = a.resident_id
    where r.program_id = $program_id
    group by a.coach_id
),

sessions as (
    select
        c.coach_id,
        count(*) filter (where c.status = 'held') as held,
        count(*) filter (where c.status = 'cancelled by resident') as cancelled_by_resident,
        count(*) filter (where c.status = 'cancelled by coach') as cancelled_by_coach,
        count(*) filter (where c.status = 'no-show') as no_show
    from coaching_sessions as c
    join residents as r on r.resident_id = c.resident_id
    where r.program_id = $program_id
        and c.scheduled_date <= $as_of and c.scheduled_date > $as_of::date - interval 12 month
        and c.status <> 'upcoming'
    group by c.coach_id
)

select
    c.coach_id,
    c.coach_name,
    coalesce(k.coachees, 0) as coachees,
    coalesce(k.coachees, 0) > $ceiling as over_ceiling,
    coalesce(s.held, 0) as held,
    coalesce(s.cancelled_by_resident, 0) as cancelled_by_resident,
    coalesce(s.cancelled_by_coach, 0) as cancelled_by_coach,
    coalesce(s.no_show, 0) as no_show,
    round((s.cancelled_by_resident + s.cancelled_by_coach + s.no_show)
        / nullif(s.held + s.cancelled_by_resident + s.cancelled_by_coach + s.no_show, 0), 3) as missed_share
from coaches as c
left join coachees as k on k.coach_id = c.coach_id
left join sessions as s on s.coach_id = c.coach_id
order by coachees desc, c.coach_name
