-- One row per month and feedback opportunity (an assessment form type, or a coaching session held)
-- for the resident up to the as-of date: completed items, how many were directly observed, how many
-- carried narrative, and how many forms expired unanswered. The month_* columns repeat the month's
-- totals on each of its rows.
-- Parameters: $viewer, $resident_id, $as_of.
with items as (
    select
        date_trunc('month', x.assessment_date)::date as month,
        x.form_type as opportunity,
        x.expired,
        x.directly_observed,
        narrative(x.strengths, x.improvement, x.comment) is not null as has_narrative
    from assessments as x
    where x.resident_id = $resident_id and x.assessment_date <= $as_of

    union all

    select
        date_trunc('month', c.scheduled_date)::date,
        'coaching',
        false,
        false,
        coalesce(trim(c.plan_strengths), '') <> '' or coalesce(trim(c.plan_improvement), '') <> ''
    from coaching_sessions as c
    where c.resident_id = $resident_id and c.status = 'held' and c.scheduled_date <= $as_of
),

counts as (
    select
        i.month,
        i.opportunity,
        count(*) filter (where not i.expired) as items,
        count(*) filter (where not i.expired and i.directly_observed) as directly_observed,
        count(*) filter (where not i.expired and i.has_narrative) as with_narrative,
        count(*) filter (where i.expired) as expired
    from items as i
    where $resident_id in (select resident_id from visible_residents($viewer))
    group by i.month, i.opportunity
)

select
    c.*,
    sum(c.items) over (partition by c.month) as month_items,
    sum(c.directly_observed) over (partition by c.month) as month_directly_observed,
    sum(c.with_narrative) over (partition by c.month) as month_with_narrative
from counts as c
order by c.month, c.opportunity
