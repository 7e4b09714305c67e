-- One row per month and form type (the feedback opportunity) across the program's residents (whom the
-- viewer may see) in the twelve months up to the as-of date: completed items, directly observed, with
-- narrative, with an actionable improvement comment, and expired forms. The month_* columns repeat the
-- month's totals on each of its rows.
-- Parameters: $viewer, $program_id, $as_of, $actionable_min_chars.
with counts as (
    select
        date_trunc('month', x.assessment_date)::date as month,
        x.form_type as opportunity,
        count(*) filter (where not x.expired) as items,
        count(*) filter (where not x.expired and x.directly_observed) as directly_observed,
        count(*) filter (
            where not x.expired
                and narrative(x.strengths, x.improvement, x.comment) is not null
        ) as with_narrative,
        count(*) filter (
            where not x.expired and length(trim(coalesce(x.improvement, ''))) >= $actionable_min_chars
        ) as actionable,
        count(*) filter (where x.expired) as expired
    from assessments as x
    join residents as r on r.resident_id = x.resident_id
    where r.program_id = $program_id
        and r.resident_id in (select resident_id from visible_residents($viewer))
        and x.assessment_date <= $as_of and x.assessment_date > $as_of::date - interval 12 month
    group by month, x.form_type
)

select
    c.*,
    sum(c.items) over (partition by c.month) as month_items,
    sum(c.directly_observed) over (partition by c.month) as month_directly_observed,
    sum(c.with_narrative) over (partition by c.month) as month_with_narrative
from counts as c
order by c.month, c.opportunity
