-- One row per resident of the program whom the viewer may see and who had started training by the
-- as-of date, with stage, PGY and current coach on that date.
-- Parameters: $viewer, $program_id, $as_of.
with visible as (
    select resident_id from visible_residents($viewer)
),

current_coach as (
    select a.resident_id, p.name as coach_name
    from coach_pairs_on($as_of) as a
    join people as p on p.person_id = a.coach_id
)

select
    r.resident_id,
    r.name,
    stage_on(r.resident_id, $as_of) as stage,
    least(5, date_diff('month', r.training_start_date, $as_of::date) // 12 + 1) as pgy,
    c.coach_name
from residents as r
join visible as v on v.resident_id = r.resident_id
left join current_coach as c on c.resident_id = r.resident_id
where r.program_id = $program_id
    and r.training_start_date <= $as_of
order by r.name
