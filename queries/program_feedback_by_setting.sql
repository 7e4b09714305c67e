-- One row per form type and setting (the rotation or place of the encounter) across the program's
-- residents (whom the viewer may see) in the twelve months up to the as-of date, with a total row per
-- form type (setting 'all settings'): stakes, completed items, and the shares directly observed, with
-- narrative and with an actionable improvement comment, plus expired forms.
-- Parameters: $viewer, $program_id, $as_of, $actionable_min_chars.
with items as (
    select
        x.form_type,
        coalesce(x.setting, 'not recorded') as setting,
        x.stakes,
        x.expired,
        x.directly_observed,
        narrative(x.strengths, x.improvement, x.comment) is not null as has_narrative,
        length(trim(coalesce(x.improvement, ''))) >= $actionable_min_chars as actionable
    from assessments as x
    join residents as r on r.resident_id = x.resident_id
    where r.program_id = $program_id
        and r.resident_id in (select resident_id from visible_residents($viewer))
        and x.assessment_date <= $as_of and x.assessment_date > $as_of::date - interval 12 month
)

select
    form_type,
    coalesce(setting, 'all settings') as setting,
    string_agg(distinct stakes, ' and ' order by stakes) as stakes,
    count(*) filter (where not expired) as items,
    round(avg(directly_observed::int) filter (where not expired), 3) as directly_observed_share,
    round(avg(has_narrative::int) filter (where not expired), 3) as narrative_share,
    round(avg(actionable::int) filter (where not expired), 3) as actionable_share,
    count(*) filter (where expired) as expired
from items
group by grouping sets ((form_type), (form_type, setting))
order by form_type, setting is not null, items desc, setting
