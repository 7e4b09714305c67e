-- One row per resident of the program (whom the viewer may see) and EPA of the resident's stage on
-- the as-of date: the evidence the status rules weigh. Counts are of completed EPA observations (rated,
-- or marked achieved or in progress by the platform) up to the as-of date: how many, from how many
-- assessors and assessor roles, how many in the last $recent_weeks weeks, in how many settings or case
-- types, with narrative, with an actionable improvement comment; how many achieved (achieved() in the
-- schema) against the plan's required number; the current level (mean of the last $recent_ratings
-- ratings) and the spread between assessors (standard deviation of the mean ratings of assessors who
-- rated the EPA at least twice, when there are at least three such assessors). The stage_trend columns
-- repeat, on each of a resident's rows, the growth across all the stage's EPAs: the least-squares slope
-- (entrustment points a month) of the ratings of the last $trend_months months, and how many ratings
-- it rests on.
-- Parameters: $viewer, $program_id, $as_of, $recent_weeks, $recent_ratings, $trend_months,
-- $actionable_min_chars, $resident_id (empty: every resident).
with current_stage as (
    select r.resident_id, s.stage
    from residents as r
    join resident_stages as s on s.resident_id = r.resident_id and s.start_date <= $as_of
    where r.program_id = $program_id
        and r.resident_id in (select resident_id from visible_residents($viewer))
        and ($resident_id = '' or r.resident_id = $resident_id)
    qualify row_number() over (partition by r.resident_id order by s.start_date desc) = 1
),

stage_epas as (
    select c.resident_id, e.epa_code, e.target_entrustment, e.required_observations
    from current_stage as c
    join epas as e on e.program_id = $program_id and e.stage = c.stage
),

observations as (
    select
        x.resident_id,
        x.epa_code,
        x.assessment_date,
        x.entrustment,
        x.assessor_id,
        x.assessor_role,
        coalesce(achieved(x.entrustment, x.achievement, s.target_entrustment), false) as achieved,
        coalesce(x.context, x.setting) as case_type,
        narrative(x.strengths, x.improvement, x.comment) is not null as has_narrative,
        length(trim(coalesce(x.improvement, ''))) >= $actionable_min_chars as actionable,
        -- the newest rating first (an observation the platform marked achieved without a level is no rating)
        row_number() over (
            partition by x.resident_id, x.epa_code, x.entrustment is null
            order by x.assessment_date desc, x.assessment_id desc
        ) as recency
    from assessments as x
    join stage_epas as s on s.resident_id = x.resident_id and s.epa_code = x.epa_code
    where x.form_type = 'epa_observation'
        and not x.expired
        and (x.entrustment is not null or x.achievement is not null)
        and x.assessment_date <= $as_of
),

per_epa as (
    select
        o.resident_id,
        o.epa_code,
        count(*) as observations,
        count(distinct o.assessor_id) as assessors,
        count(distinct o.assessor_role) as assessor_roles,
        count(*) filter (where o.assessment_date > $as_of::date - to_weeks($recent_weeks)) as recent_observations,
        count(distinct o.case_type) as contexts,
        count(*) filter (where o.has_narrative) as narratives,
        count(*) filter (where o.actionable) as actionable,
        count(*) filter (where o.achieved) as achieved,
        avg(o.entrustment) filter (where o.entrustment is not null and o.recency <= $recent_ratings) as current_level
    from observations as o
    group by o.resident_id, o.epa_code
),

stage_trend as (
    select
        o.resident_id,
        regr_slope(o.entrustment, date_diff('day', $as_of::date, o.assessment_date) / 30.44) as stage_trend_per_month,
        count(o.entrustment) as stage_trend_ratings
    from observations as o
    where o.assessment_date > $as_of::date - to_months($trend_months)
    group by o.resident_id
),

per_assessor as (
    select o.resident_id, o.epa_code, o.assessor_id, avg(o.entrustment) as assessor_mean
    from observations as o
    group by o.resident_id, o.epa_code, o.assessor_id
    having count(o.entrustment) >= 2
),

spread as (
    select a.resident_id, a.epa_code, stddev_samp(a.assessor_mean) as assessor_spread
    from per_assessor as a
    group by a.resident_id, a.epa_code
    having count(*) >= 3
)

select
    s.resident_id,
    s.epa_code,
    s.target_entrustment,
    s.required_observations,
    coalesce(p.achieved, 0) as achieved,
    coalesce(p.observations, 0) as observations,
    coalesce(p.assessors, 0) as assessors,
    coalesce(p.assessor_roles, 0) as assessor_roles,
    coalesce(p.recent_observations, 0) as recent_observations,
    coalesce(p.contexts, 0) as contexts,
    coalesce(p.narratives, 0) as narratives,
    coalesce(p.actionable, 0) as actionable,
    round(p.current_level, 2) as current_level,
    round(d.assessor_spread, 2) as assessor_spread,
    round(t.stage_trend_per_month, 3) as stage_trend_per_month,
    coalesce(t.stage_trend_ratings, 0) as stage_trend_ratings
from stage_epas as s
left join per_epa as p on p.resident_id = s.resident_id and p.epa_code = s.epa_code
left join spread as d on d.resident_id = s.resident_id and d.epa_code = s.epa_code
left join stage_trend as t on t.resident_id = s.resident_id
order by s.resident_id, epa_order(s.epa_code)
