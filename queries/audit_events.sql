-- One row per audit event of the program (or about nobody's program, such as a sign-in by one of its
-- people), newest first, filtered by actor, action, resident and time (an empty text or list means
-- no filter), with where each came from. Only an administrator of the program gets rows.
-- Parameters: $viewer, $program_id, $actions, $actor_search, $resident_search, $date_from, $date_to,
-- $max_rows.
with program_people as (
    select person_id from roles where program_id = $program_id
)

select
    e.event_id,
    e.occurred_at,
    e.action,
    e.actor_id,
    p.name as actor_name,
    e.identity,
    e.resident_id,
    r.name as resident_name,
    e.detail,
    e.origin
from audit_log as e
left join people as p on p.person_id = e.actor_id
left join residents as r on r.resident_id = e.resident_id
where holds_role($viewer, $program_id, ['admin'])
    and (
        e.program_id = $program_id
        or (e.program_id is null and e.actor_id in (select person_id from program_people))
    )
    and cast(e.occurred_at as date) between $date_from and $date_to
    and (len($actions) = 0 or list_contains($actions, e.action))
    and (
        $actor_search = ''
        or contains(lower(concat_ws(' ', p.name, e.actor_id, e.identity)), lower($actor_search))
    )
    and (
        $resident_search = ''
        or contains(lower(concat_ws(' ', r.name, e.resident_id)), lower($resident_search))
    )
order by e.event_id desc
limit $max_rows
