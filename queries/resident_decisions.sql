-- One row per committee decision about the resident up to the as-of date, every version, newest
-- meeting first and, within a meeting, newest version first; in_force marks the version in force.
-- The minutes of each: status, actions, rationale, follow-up date, the members present and those
-- recused (by name), what became of the previous decision's actions, and the status the dashboard
-- had computed.
-- Parameters: $viewer, $resident_id, $as_of.
with decisions as (
    select
        d.*,
        d.version = max(d.version) over (partition by d.meeting_date) as in_force
    from committee_decisions as d
    where d.resident_id = $resident_id
        and d.resident_id in (select resident_id from visible_residents($viewer))
        and d.meeting_date <= $as_of
),

present as (
    select d.decision_id, list(p.name order by p.name) as members_present
    from decisions as d, unnest(d.members_present) as m(person_id)
    join people as p on p.person_id = m.person_id
    group by d.decision_id
),

recused as (
    select d.decision_id, list(p.name order by p.name) as members_recused
    from decisions as d, unnest(d.members_recused) as m(person_id)
    join people as p on p.person_id = m.person_id
    group by d.decision_id
),

follow_ups as (
    select a.decision_id, list(a.action || ': ' || a.outcome order by a.action) as follow_ups
    from decision_action_reviews as a
    join decisions as d on d.decision_id = a.decision_id
    group by a.decision_id
)

select
    d.meeting_date,
    d.version,
    d.in_force,
    d.status,
    array_to_string(d.actions, ', ') as actions,
    d.rationale,
    d.follow_up_date,
    array_to_string(coalesce(m.members_present, []), ', ') as members_present,
    array_to_string(coalesce(r.members_recused, []), ', ') as members_recused,
    array_to_string(coalesce(f.follow_ups, []), '; ') as previous_actions_follow_up,
    d.computed_status,
    d.saved_with_version,
    d.amendment_reason,
    p.name as recorded_by,
    d.recorded_at
from decisions as d
left join people as p on p.person_id = d.recorded_by
left join present as m on m.decision_id = d.decision_id
left join recused as r on r.decision_id = d.decision_id
left join follow_ups as f on f.decision_id = d.decision_id
order by d.meeting_date desc, d.version desc
