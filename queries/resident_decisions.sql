-- One row per committee decision about the resident up to the as-of date, newest first.
-- Parameters: $viewer, $resident_id, $as_of.
select
    d.meeting_date,
    d.status,
    array_to_string(d.actions, ', ') as actions,
    d.rationale,
    d.follow_up_date,
    p.name as recorded_by,
    d.recorded_at
from committee_decisions as d
left join people as p on p.person_id = d.recorded_by
where d.resident_id = $resident_id
    and d.resident_id in (select resident_id from visible_residents($viewer))
    and d.meeting_date <= $as_of
order by d.meeting_date desc, d.recorded_at desc
