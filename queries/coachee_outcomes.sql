-- One row per current coachee of the coach ($coach_id) on the as-of date whom the viewer may see: the
-- committee's latest decision in force (meeting, status, actions, follow-up date) up to the as-of date,
-- and the program's next scheduled committee meeting after it.
-- Parameters: $viewer, $program_id, $as_of, $coach_id.
with coachees as (
    select a.resident_id, r.name as resident_name
    from coach_pairs_on($as_of) as a
    join residents as r on r.resident_id = a.resident_id
    where a.coach_id = $coach_id
        and r.program_id = $program_id
        and a.resident_id in (select resident_id from visible_residents($viewer))
),

latest_decision as (
    select d.resident_id, d.meeting_date, d.status, d.actions, d.follow_up_date
    from committee_decisions as d
    join coachees as c on c.resident_id = d.resident_id
    where d.meeting_date <= $as_of
    qualify row_number() over (partition by d.resident_id order by d.meeting_date desc, d.version desc) = 1
),

next_meeting as (
    select min(m.meeting_date) as meeting_date
    from committee_meetings as m
    where m.program_id = $program_id and m.meeting_date > $as_of
)

select
    c.resident_id,
    c.resident_name,
    d.meeting_date as decision_meeting_date,
    d.status as decision_status,
    array_to_string(d.actions, ', ') as decision_actions,
    d.follow_up_date,
    n.meeting_date as next_meeting_date
from coachees as c
left join latest_decision as d on d.resident_id = c.resident_id
cross join next_meeting as n
order by c.resident_name
