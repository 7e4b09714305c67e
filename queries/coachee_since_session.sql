-- One row per EPA of the resident's program: what happened to it since the coach's last session
-- ($since, excluded) up to the as-of date. Completed observations since, their mean entrustment and
-- that of the five ratings before, whether the EPA became complete since (newly achieved), and whether
-- it is an EPA of the current stage still short of its plan (needs exposure).
-- Parameters: $viewer, $resident_id, $as_of, $since.
with resident as (
    select r.resident_id, r.program_id, stage_on(r.resident_id, $as_of) as stage
    from residents as r
    where r.resident_id = $resident_id
        and r.resident_id in (select resident_id from visible_residents($viewer))
),

rated as (
    select
        x.epa_code,
        x.assessment_date,
        x.entrustment,
        coalesce(achieved(x.entrustment, x.achievement, e.target_entrustment), false) as achieved,
        row_number() over (
            partition by x.epa_code, x.assessment_date > $since, x.entrustment is null order by x.assessment_date desc
        ) as recency
    from assessments as x
    join resident as r on r.resident_id = x.resident_id
    join epas as e on e.program_id = r.program_id and e.epa_code = x.epa_code
    where x.form_type = 'epa_observation' and not x.expired
        and (x.entrustment is not null or x.achievement is not null)
        and x.assessment_date <= $as_of
),

per_epa as (
    select
        epa_code,
        count(*) filter (where assessment_date > $since) as observations_since,
        round(avg(entrustment) filter (where assessment_date > $since), 2) as mean_since,
        round(avg(entrustment) filter (where assessment_date <= $since and recency <= 5), 2) as mean_before,
        count(*) filter (where achieved and assessment_date <= $since) as achieved_before,
        count(*) filter (where achieved) as achieved_now
    from rated
    group by epa_code
)

select
    e.stage,
    e.epa_code,
    e.title,
    e.required_observations,
    coalesce(p.observations_since, 0) as observations_since,
    p.mean_since,
    p.mean_before,
    coalesce(p.achieved_now, 0) >= e.required_observations
        and coalesce(p.achieved_before, 0) < e.required_observations as newly_achieved,
    e.stage = r.stage and coalesce(p.achieved_now, 0) < e.required_observations as needs_exposure
from resident as r
join epas as e on e.program_id = r.program_id
left join per_epa as p on p.epa_code = e.epa_code
order by
    list_position(['TTD', 'FOD', 'COD', 'TTP'], e.stage),
    epa_order(e.epa_code)
