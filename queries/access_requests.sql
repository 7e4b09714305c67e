-- One row per request for access in the program that waits for a second person's confirmation,
-- oldest first: whom it is about, what is asked (a role, or a sign-in identity), who asked and when.
-- Only the program's administrators and program lead get rows.
-- Parameters: $viewer, $program_id.
select
    q.request_id,
    q.person_id,
    p.name as person_name,
    q.kind,
    q.value,
    q.requested_by,
    a.name as requested_by_name,
    q.requested_at
from access_requests as q
join people as p on p.person_id = q.person_id
left join people as a on a.person_id = q.requested_by
where q.program_id = $program_id
    and q.status = 'waiting'
    and holds_role($viewer, $program_id, ['admin', 'program_lead'])
order by q.requested_at
