-- One row per resident of the program (whom the viewer may see) in training on the as-of date: over
-- the twelve months up to that date, completed assessments, distinct assessors, assessors who assessed
-- the resident at least three times (repeated pairs) and the share of assessments they wrote; and how
-- long the current coach pairing has lasted, in months.
-- Parameters: $viewer, $program_id, $as_of.
with recent as (
    select x.resident_id, x.assessor_id, count(*) as n
    from assessments as x
    join residents as r on r.resident_id = x.resident_id
    where r.program_id = $program_id and not x.expired
        and x.assessment_date <= $as_of and x.assessment_date > $as_of::date - interval 12 month
        and r.resident_id in (select resident_id from visible_residents($viewer))
    group by x.resident_id, x.assessor_id
),

per_resident as (
    select
        resident_id,
        sum(n) as assessments,
        count(*) as assessors,
        count(*) filter (where n >= 3) as repeated_assessors,
        sum(n) filter (where n >= 3) / sum(n) as repeated_share
    from recent
    group by resident_id
),

pairing as (
    select a.resident_id, date_diff('day', a.start_date, $as_of::date) / 30.44 as pairing_months
    from coach_pairs_on($as_of) as a
)

select
    r.resident_id,
    r.name,
    stage_on(r.resident_id, $as_of) as stage,
    coalesce(p.assessments, 0) as assessments,
    coalesce(p.assessors, 0) as assessors,
    coalesce(p.repeated_assessors, 0) as repeated_assessors,
    round(coalesce(p.repeated_share, 0), 3) as repeated_share,
    round(c.pairing_months, 1) as pairing_months
from residents as r
left join per_resident as p on p.resident_id = r.resident_id
left join pairing as c on c.resident_id = r.resident_id
where r.program_id = $program_id and r.training_start_date <= $as_of
    and r.resident_id in (select resident_id from visible_residents($viewer))
order by r.name
