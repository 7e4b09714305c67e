-- One row per feedback opportunity (assessment form type, or coaching sessions held) for the resident
-- up to the as-of date, plus a first row "all assessments" totalling the form types: completed items,
-- stakes, the shares directly observed, with narrative, and with an actionable improvement comment
-- (at least $actionable_min_chars characters), the mean words per narrative, and the forms that expired.
-- Parameters: $viewer, $resident_id, $as_of, $actionable_min_chars.
with items as (
    select
        'assessment' as source,
        x.form_type as opportunity,
        x.stakes,
        x.expired,
        x.directly_observed,
        narrative(x.strengths, x.improvement, x.comment) as narrative,
        length(trim(coalesce(x.improvement, ''))) >= $actionable_min_chars as actionable
    from assessments as x
    where x.resident_id = $resident_id and x.assessment_date <= $as_of

    union all

    select
        'coaching',
        'coaching',
        'low',
        false,
        false,
        nullif(trim(concat_ws(' ', c.plan_strengths, c.plan_improvement, c.plan_exposure)), ''),
        length(trim(coalesce(c.plan_improvement, ''))) >= $actionable_min_chars
    from coaching_sessions as c
    where c.resident_id = $resident_id and c.status = 'held' and c.scheduled_date <= $as_of
),

visible_items as (
    select *, narrative is not null as has_narrative
    from items
    where $resident_id in (select resident_id from visible_residents($viewer))
),

summary as (
    select
        coalesce(opportunity, 'all assessments') as opportunity,
        grouping(opportunity) = 1 as is_total,
        string_agg(distinct stakes, ' and ' order by stakes) as stakes,
        count(*) filter (where not expired) as items,
        count(*) filter (where expired) as expired,
        round(avg(directly_observed::int) filter (where not expired), 3) as directly_observed_share,
        round(avg(has_narrative::int) filter (where not expired), 3) as narrative_share,
        round(avg(actionable::int) filter (where not expired), 3) as actionable_share,
        round(avg(len(string_split(narrative, ' '))) filter (where has_narrative), 1) as words_per_narrative
    from visible_items
    group by grouping sets ((opportunity), (source))
    having grouping(opportunity) = 0 or source = 'assessment'
)

select * exclude (is_total)
from summary
order by is_total desc, items desc, opportunity
