-- One row per rated, completed EPA observation of the resident up to the as-of date, oldest first,
-- with the mean of the EPA's last five ratings (the trend line) up to that observation.
-- Parameters: $viewer, $resident_id, $as_of.
with observations as (
    select
        x.assessment_date,
        x.epa_code,
        x.entrustment,
        x.directly_observed,
        x.assessor_id,
        x.assessment_id
    from assessments as x
    where x.resident_id = $resident_id
        and x.resident_id in (select resident_id from visible_residents($viewer))
        and x.form_type = 'epa_observation'
        and not x.expired
        and x.entrustment is not null
        and x.assessment_date <= $as_of
)

select
    o.assessment_date,
    o.epa_code,
    e.title as epa_title,
    e.stage as epa_stage,
    o.entrustment,
    round(avg(o.entrustment) over (
        partition by o.epa_code order by o.assessment_date, o.assessment_id
        rows between 4 preceding and current row
    ), 2) as recent_mean,
    o.directly_observed,
    p.name as assessor_name
from observations as o
join residents as r on r.resident_id = $resident_id
left join epas as e on e.program_id = r.program_id and e.epa_code = o.epa_code
left join people as p on p.person_id = o.assessor_id
order by o.assessment_date, o.assessment_id
