-- One row per resident of the program (whom the viewer may see) in training on the as-of date and EPA
-- of the program: the resident's stage, the EPA's stage, completed ratings, the current level (mean of
-- the last $recent_ratings ratings, as the status rules compute it) and the growth (least-squares
-- slope, entrustment points a month, over the last $trend_months months, when it rests on at least
-- $min_trend_ratings ratings: the status rules' own threshold for judging growth).
-- Parameters: $viewer, $program_id, $as_of, $recent_ratings, $trend_months, $min_trend_ratings.
with residents_now as (
    select r.resident_id, r.name, stage_on(r.resident_id, $as_of) as stage
    from residents as r
    where r.program_id = $program_id and r.training_start_date <= $as_of
        and r.resident_id in (select resident_id from visible_residents($viewer))
),

rated as (
    select
        x.resident_id,
        x.epa_code,
        x.entrustment,
        x.assessment_date,
        row_number() over (
            partition by x.resident_id, x.epa_code order by x.assessment_date desc, x.assessment_id desc
        ) as recency
    from assessments as x
    join residents_now as n on n.resident_id = x.resident_id
    where x.form_type = 'epa_observation' and not x.expired and x.entrustment is not null
        and x.assessment_date <= $as_of
),

cells as (
    select
        resident_id,
        epa_code,
        count(*) as ratings,
        avg(entrustment) filter (where recency <= $recent_ratings) as level,
        regr_slope(entrustment, date_diff('day', $as_of::date, assessment_date) / 30.44)
            filter (where assessment_date > $as_of::date - to_months($trend_months)) as slope,
        count(*) filter (where assessment_date > $as_of::date - to_months($trend_months)) as trend_ratings
    from rated
    group by resident_id, epa_code
)

select
    n.resident_id,
    n.name,
    n.stage,
    e.epa_code,
    e.stage as epa_stage,
    coalesce(c.ratings, 0) as ratings,
    round(c.level, 2) as level,
    round(case when c.trend_ratings >= $min_trend_ratings then c.slope end, 3) as growth
from residents_now as n
cross join epas as e
left join cells as c on c.resident_id = n.resident_id and c.epa_code = e.epa_code
where e.program_id = $program_id
order by
    list_position(['TTD', 'FOD', 'COD', 'TTP'], n.stage) desc nulls last,
    n.name,
    list_position(['TTD', 'FOD', 'COD', 'TTP'], e.stage),
    epa_order(e.epa_code)
