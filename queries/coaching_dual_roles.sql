-- One row per current coaching pair of the program on the as-of date: how many of the coachee's
-- assessments up to that date the coach wrote (and the share), whether the coach sits on the committee
-- that decides on the coachee, the coaching model that follows, and whether the roles collide (the
-- coach both assesses the coachee and sits on the committee). Collisions first.
-- Parameters: $viewer, $program_id, $as_of.
with pairs as (
    select a.resident_id, r.name as resident_name, a.coach_id, p.name as coach_name
    from coach_pairs_on($as_of) as a
    join residents as r on r.resident_id = a.resident_id
    join people as p on p.person_id = a.coach_id
    where r.program_id = $program_id
        and a.resident_id in (select resident_id from visible_residents($viewer))
),

written as (
    select
        p.resident_id,
        count(x.assessment_id) as coachee_assessments,
        count(x.assessment_id) filter (where x.assessor_id = p.coach_id) as by_coach
    from pairs as p
    left join assessments as x on x.resident_id = p.resident_id and x.assessment_date <= $as_of and not x.expired
    group by p.resident_id
),

committee as (
    select distinct person_id from roles
    where program_id = $program_id and role in ('committee_chair', 'committee_member')
)

select
    p.resident_name,
    p.coach_name,
    w.coachee_assessments,
    w.by_coach,
    round(w.by_coach / nullif(w.coachee_assessments, 0), 3) as share_by_coach,
    p.coach_id in (select person_id from committee) as coach_on_committee,
    case
        when w.by_coach > 0 then 'supervises'
        when p.coach_id in (select person_id from committee) then 'committee'
        else 'no assessor role'
    end as coaching_model,
    w.by_coach > 0 and p.coach_id in (select person_id from committee) as roles_collide
from pairs as p
join written as w on w.resident_id = p.resident_id
order by roles_collide desc, share_by_coach desc, p.coach_name, p.resident_name
