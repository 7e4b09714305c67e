-- The resident the chair is presenting at the meeting on $as_of, when the viewer may see them: one
-- row (resident, who presents, since when) or none. Read fresh on every poll (it changes without a new
-- data version).
-- Parameters: $viewer, $program_id, $as_of.
select m.resident_id, p.name as presented_by, m.presented_at
from meeting_presenting as m
join people as p on p.person_id = m.presented_by
where m.program_id = $program_id
    and m.meeting_date = $as_of
    and m.resident_id in (select resident_id from visible_residents($viewer))
