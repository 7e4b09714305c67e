-- One row per coaching session of the program's residents (whom the viewer may see) in the twelve
-- months up to the as-of date and the planned ones after it, for the program's session timeline.
-- Parameters: $viewer, $program_id, $as_of.
select
    c.scheduled_date,
    case when c.scheduled_date > $as_of then 'upcoming' else c.status end as status,
    p.name as coach_name,
    r.name as resident_name
from coaching_sessions as c
join residents as r on r.resident_id = c.resident_id
join people as p on p.person_id = c.coach_id
where r.program_id = $program_id
    and r.resident_id in (select resident_id from visible_residents($viewer))
    and c.scheduled_date > $as_of::date - interval 12 month
order by p.name, c.scheduled_date
