-- One row per EPA of the resident's program, in stage and code order: the assessment plan (required
-- observations at the target entrustment) against the resident's observations up to the as-of date.
-- "Achieved" counts completed observations rated at or above the EPA's target entrustment, or that the
-- platform itself marked achieved (achievement, the ePortfolio's "Achieved"): achieved() in the schema.
-- Parameters: $viewer, $resident_id, $as_of.
with resident as (
    select r.resident_id, r.program_id
    from residents as r
    where r.resident_id = $resident_id
        and r.resident_id in (select resident_id from visible_residents($viewer))
),

observations as (
    select x.epa_code, x.entrustment, x.achievement, x.expired, x.assessment_date, x.assessor_id
    from assessments as x
    where x.resident_id = $resident_id
        and x.form_type = 'epa_observation'
        and x.assessment_date <= $as_of
),

per_epa as (
    select
        o.epa_code,
        count(*) filter (where not o.expired) as observations,
        count(*) filter (where o.expired) as expired,
        count(distinct o.assessor_id) filter (where not o.expired) as assessors,
        max(o.assessment_date) filter (where not o.expired) as last_observed,
        round(avg(o.entrustment), 2) as mean_entrustment
    from observations as o
    group by o.epa_code
),

achieved as (
    select o.epa_code, count(*) as achieved
    from observations as o
    join resident as r on true
    join epas as e on e.program_id = r.program_id and e.epa_code = o.epa_code
    where not o.expired and achieved(o.entrustment, o.achievement, e.target_entrustment)
    group by o.epa_code
)

select
    e.stage,
    e.epa_code,
    e.title,
    e.required_observations,
    e.target_entrustment,
    e.contextual_requirements,
    coalesce(p.observations, 0) as observations,
    coalesce(a.achieved, 0) as achieved,
    coalesce(p.expired, 0) as expired,
    coalesce(p.assessors, 0) as assessors,
    p.last_observed,
    p.mean_entrustment,
    coalesce(a.achieved, 0) >= e.required_observations as complete
from resident as r
join epas as e on e.program_id = r.program_id
left join per_epa as p on p.epa_code = e.epa_code
left join achieved as a on a.epa_code = e.epa_code
order by
    list_position(['TTD', 'FOD', 'COD', 'TTP'], e.stage),
    epa_order(e.epa_code)
