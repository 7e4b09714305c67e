-- One row per coaching session of the resident, oldest first, with its status as of the as-of date:
-- a session dated after the as-of date is "upcoming" whatever was recorded later.
-- Parameters: $viewer, $resident_id, $as_of.
select
    c.scheduled_date,
    case when c.scheduled_date > $as_of then 'upcoming' else c.status end as status,
    p.name as coach_name,
    c.duration_minutes,
    c.assessments_reviewed,
    c.plan_strengths,
    c.plan_improvement,
    c.plan_exposure,
    c.next_planned_date
from coaching_sessions as c
left join people as p on p.person_id = c.coach_id
where c.resident_id = $resident_id
    and c.resident_id in (select resident_id from visible_residents($viewer))
order by c.scheduled_date, c.session_id
