-- One row for the resident (none when the viewer may not see them): stage and PGY on the as-of date,
-- current coach with the coaching model the pairing works under, and the last committee decision.
-- Coaching model: "supervises" when the coach has assessed the coachee, else "committee" when the
-- coach sits on the program's committee, else "no assessor role".
-- Parameters: $viewer, $resident_id, $as_of.
with resident as (
    select r.*
    from residents as r
    where r.resident_id = $resident_id
        and r.resident_id in (select resident_id from visible_residents($viewer))
),

stage as (
    select s.stage, s.start_date as stage_start_date
    from resident_stages as s
    where s.resident_id = $resident_id and s.start_date <= $as_of
    order by s.start_date desc
    limit 1
),

coach as (
    select a.coach_id, a.start_date as coach_since, p.name as coach_name
    from coach_pairs_on($as_of) as a
    join people as p on p.person_id = a.coach_id
    where a.resident_id = $resident_id
),

coach_roles as (
    -- Filtered on the resident directly (not correlated), so only the resident's assessments are read.
    select
        count(x.assessment_id) as coach_assessments,
        exists (
            select 1 from roles as g
            where g.person_id = c.coach_id and g.program_id = r.program_id
                and g.role in ('committee_chair', 'committee_member')
        ) as coach_on_committee
    from coach as c
    join resident as r on true
    left join assessments as x
        on x.resident_id = $resident_id and x.assessor_id = c.coach_id and x.assessment_date <= $as_of
    group by c.coach_id, r.program_id
),

last_decision as (
    select d.status as last_decision_status, d.meeting_date as last_decision_date
    from committee_decisions as d
    where d.resident_id = $resident_id and d.meeting_date <= $as_of
    order by d.meeting_date desc, d.version desc
    limit 1
)

select
    r.resident_id,
    r.name,
    p.name as program_name,
    r.status,
    r.training_start_date,
    least(5, date_diff('month', r.training_start_date, $as_of::date) // 12 + 1) as pgy,
    s.stage,
    s.stage_start_date,
    c.coach_id,
    c.coach_name,
    c.coach_since,
    coalesce(k.coach_assessments, 0) as coach_assessments,
    coalesce(k.coach_on_committee, false) as coach_on_committee,
    case
        when c.coach_id is null then null
        when k.coach_assessments > 0 then 'supervises'
        when k.coach_on_committee then 'committee'
        else 'no assessor role'
    end as coaching_model,
    d.last_decision_status,
    d.last_decision_date
from resident as r
join programs as p on p.program_id = r.program_id
left join stage as s on true
left join coach as c on true
left join coach_roles as k on true
left join last_decision as d on true
