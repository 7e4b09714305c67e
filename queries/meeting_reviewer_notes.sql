-- One row per reviewer assigned to present a resident at the meeting on $as_of, by resident (primary
-- first): who, and their latest pre-meeting note with when it was written (none yet: no note). Only
-- the program's committee and program lead get rows, and only for residents the viewer may see.
-- Parameters: $viewer, $program_id, $as_of.
with assigned as (
    select v.resident_id, v.reviewer_role, v.person_id, p.name
    from meeting_reviewers as v
    join people as p on p.person_id = v.person_id
    where v.program_id = $program_id
        and v.meeting_date = $as_of
        and v.resident_id in (select resident_id from visible_residents($viewer))
        and holds_role($viewer, $program_id, ['committee_chair', 'committee_member', 'program_lead'])
),

latest_notes as (
    select n.resident_id, n.reviewer_id, n.note, n.written_at
    from reviewer_notes as n
    where n.program_id = $program_id and n.meeting_date = $as_of
    qualify row_number() over (partition by n.resident_id, n.reviewer_id order by n.written_at desc) = 1
)

select a.resident_id, a.reviewer_role, a.person_id, a.name, n.note, n.written_at
from assigned as a
left join latest_notes as n on n.resident_id = a.resident_id and n.reviewer_id = a.person_id
order by a.resident_id, list_position(['primary', 'secondary'], a.reviewer_role)
