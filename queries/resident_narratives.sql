-- One row per feedback item of the resident up to the as-of date that carries narrative or a flag,
-- newest first, filtered by EPA, form type, date range and a search text (all optional: an empty
-- list or text means no filter). The search matches every comment and the flag's, case
-- insensitively and literally.
-- Parameters: $viewer, $resident_id, $as_of, $epa_codes, $form_types, $date_from, $date_to, $search.
select
    x.assessment_date,
    x.form_type,
    x.epa_code,
    p.name as assessor_name,
    x.assessor_role,
    x.entrustment,
    x.directly_observed,
    x.stakes,
    x.strengths,
    x.comment,
    x.improvement,
    x.flag,
    x.flag_comment
from assessments as x
left join people as p on p.person_id = x.assessor_id
where x.resident_id = $resident_id
    and x.resident_id in (select resident_id from visible_residents($viewer))
    and x.assessment_date <= $as_of
    and x.assessment_date between $date_from and $date_to
    and (len($epa_codes) = 0 or list_contains($epa_codes, x.epa_code))
    and (len($form_types) = 0 or list_contains($form_types, x.form_type))
    and (narrative(x.strengths, x.improvement, x.comment) is not null or x.flag is not null)
    and (
        $search = ''
        or contains(lower(concat_ws(' ', x.strengths, x.improvement, x.comment, x.flag_comment)), lower($search))
    )
order by x.assessment_date desc, x.assessment_id desc
