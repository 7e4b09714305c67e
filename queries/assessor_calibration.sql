-- One row per assessor of the program's residents with at least $min_ratings completed EPA ratings up
-- to the as-of date: their mean rating, the program mean (of all those ratings), the z-score
-- (assessor mean - program mean) / program SD, where the SD is that of these assessors' means (how
-- far assessors usually sit from each other), the residents they assessed, and their mean words per
-- narrative comment. Most lenient first. Only for a program lead or committee.
-- Parameters: $viewer, $program_id, $as_of, $min_ratings.
with ratings as (
    select
        x.assessor_id,
        x.resident_id,
        x.entrustment,
        narrative(x.strengths, x.improvement, x.comment) as narrative
    from assessments as x
    join residents as r on r.resident_id = x.resident_id
    where r.program_id = $program_id and x.form_type = 'epa_observation' and not x.expired
        and x.entrustment is not null and x.assessment_date <= $as_of and holds_role($viewer, $program_id, ['program_lead', 'committee_chair', 'committee_member'])
),

per_assessor as (
    select
        assessor_id,
        count(*) as ratings,
        avg(entrustment) as mean_rating,
        count(distinct resident_id) as residents,
        avg(len(string_split(narrative, ' '))) filter (where narrative is not null) as words_per_comment
    from ratings
    group by assessor_id
    having count(*) >= $min_ratings
),

program as (
    select
        (select avg(entrustment) from ratings) as program_mean,
        stddev_samp(mean_rating) as program_sd
    from per_assessor
)

select
    a.assessor_id,
    p.name as assessor_name,
    a.ratings,
    a.residents,
    round(a.mean_rating, 2) as mean_rating,
    round(g.program_mean, 2) as program_mean,
    round((a.mean_rating - g.program_mean) / g.program_sd, 2) as z_score,
    round(a.words_per_comment, 1) as words_per_comment
from per_assessor as a
cross join program as g
join people as p on p.person_id = a.assessor_id
order by z_score desc
