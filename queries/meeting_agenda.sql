-- One row per resident of the program whom the viewer may see and who had started training by the
-- meeting date ($as_of): stage and months in it, the current coach and whether that coach sits on the
-- committee, the previous committee decision (before the meeting date) with its actions and follow-up
-- date, any decision already recorded at this meeting, the reviewers assigned to present the resident
-- at this meeting, whether a member added the resident to this meeting by hand, and what changed since
-- the previous decision (since the start of training if there is none): completed observations,
-- EPAs newly achieved, flags, narratives, coaching sessions held and missed.
-- Parameters: $viewer, $program_id, $as_of, $resident_id (empty: every resident).
with residents_in_scope as (
    select r.resident_id, r.name, r.training_start_date
    from residents as r
    where r.program_id = $program_id
        and r.training_start_date <= $as_of
        and r.resident_id in (select resident_id from visible_residents($viewer))
        and ($resident_id = '' or r.resident_id = $resident_id)
),

current_stage as (
    select s.resident_id, s.stage, s.start_date
    from resident_stages as s
    join residents_in_scope as r on r.resident_id = s.resident_id
    where s.start_date <= $as_of
    qualify row_number() over (partition by s.resident_id order by s.start_date desc) = 1
),

current_coach as (
    select a.resident_id, a.coach_id, p.name as coach_name
    from coach_pairs_on($as_of) as a
    join people as p on p.person_id = a.coach_id
),

committee as (
    select distinct person_id
    from roles
    where program_id = $program_id and role in ('committee_chair', 'committee_member')
),

decisions_in_force as (
    select d.*
    from committee_decisions as d
    join residents_in_scope as r on r.resident_id = d.resident_id
    qualify row_number() over (partition by d.resident_id, d.meeting_date order by d.version desc) = 1
),

previous_decision as (
    select d.resident_id, d.decision_id, d.meeting_date, d.status, d.actions, d.follow_up_date
    from decisions_in_force as d
    where d.meeting_date < $as_of
    qualify row_number() over (partition by d.resident_id order by d.meeting_date desc) = 1
),

this_meeting as (
    select d.resident_id, d.status, d.version
    from decisions_in_force as d
    where d.meeting_date = $as_of
),

review_start as (
    select r.resident_id, coalesce(p.meeting_date, r.training_start_date - 1) as since
    from residents_in_scope as r
    left join previous_decision as p on p.resident_id = r.resident_id
),

new_items as (
    select
        x.resident_id,
        count(*) filter (where x.form_type = 'epa_observation' and not x.expired) as new_observations,
        count(*) filter (where x.flag is not null) as new_flags,
        count(*) filter (
            where narrative(x.strengths, x.improvement, x.comment) is not null
        ) as new_narratives
    from assessments as x
    join review_start as s on s.resident_id = x.resident_id
    where x.assessment_date > s.since and x.assessment_date <= $as_of
    group by x.resident_id
),

achievements as (
    select
        x.resident_id,
        x.epa_code,
        e.required_observations,
        count(*) as achieved_now,
        count(*) filter (where x.assessment_date <= s.since) as achieved_before
    from assessments as x
    join review_start as s on s.resident_id = x.resident_id
    join epas as e on e.program_id = $program_id and e.epa_code = x.epa_code
    where x.form_type = 'epa_observation'
        and not x.expired
        and achieved(x.entrustment, x.achievement, e.target_entrustment)
        and x.assessment_date <= $as_of
    group by x.resident_id, x.epa_code, e.required_observations
),

newly_achieved as (
    select
        a.resident_id,
        list(a.epa_code order by epa_order(a.epa_code)) as epas_newly_achieved
    from achievements as a
    where a.achieved_now >= a.required_observations and a.achieved_before < a.required_observations
    group by a.resident_id
),

coaching as (
    select
        c.resident_id,
        count(*) filter (where c.status = 'held') as coaching_held,
        count(*) filter (
            where c.status in ('cancelled by resident', 'cancelled by coach', 'no-show')
        ) as coaching_missed
    from coaching_sessions as c
    join review_start as s on s.resident_id = c.resident_id
    where c.scheduled_date > s.since and c.scheduled_date <= $as_of
    group by c.resident_id
),

additions as (
    select resident_id
    from meeting_additions
    where program_id = $program_id and meeting_date = $as_of
),

reviewers as (
    select
        v.resident_id,
        max(v.person_id) filter (where v.reviewer_role = 'primary') as primary_reviewer_id,
        max(p.name) filter (where v.reviewer_role = 'primary') as primary_reviewer,
        max(v.person_id) filter (where v.reviewer_role = 'secondary') as secondary_reviewer_id,
        max(p.name) filter (where v.reviewer_role = 'secondary') as secondary_reviewer
    from meeting_reviewers as v
    join people as p on p.person_id = v.person_id
    where v.program_id = $program_id and v.meeting_date = $as_of
    group by v.resident_id
)

select
    r.resident_id,
    r.name,
    s.stage,
    s.start_date as stage_start_date,
    date_diff('day', s.start_date, $as_of::date) / 30.44 as months_in_stage,
    least(5, date_diff('month', r.training_start_date, $as_of::date) // 12 + 1) as pgy,
    k.coach_id,
    k.coach_name,
    coalesce(k.coach_id in (select person_id from committee), false) as coach_on_committee,
    p.decision_id as previous_decision_id,
    p.meeting_date as previous_decision_date,
    p.status as previous_decision_status,
    coalesce(p.actions, []) as previous_actions,
    p.follow_up_date as previous_follow_up_date,
    w.since as review_since,
    m.status as decision_this_meeting,
    m.version as decision_version,
    v.primary_reviewer_id,
    v.primary_reviewer,
    v.secondary_reviewer_id,
    v.secondary_reviewer,
    r.resident_id in (select resident_id from additions) as added_by_hand,
    coalesce(n.new_observations, 0) as new_observations,
    coalesce(len(a.epas_newly_achieved), 0) as epas_newly_achieved,
    coalesce(a.epas_newly_achieved, []) as epas_newly_achieved_list,
    coalesce(n.new_flags, 0) as new_flags,
    coalesce(n.new_narratives, 0) as new_narratives,
    coalesce(c.coaching_held, 0) as coaching_held,
    coalesce(c.coaching_missed, 0) as coaching_missed
from residents_in_scope as r
left join current_stage as s on s.resident_id = r.resident_id
left join current_coach as k on k.resident_id = r.resident_id
left join previous_decision as p on p.resident_id = r.resident_id
left join this_meeting as m on m.resident_id = r.resident_id
left join review_start as w on w.resident_id = r.resident_id
left join new_items as n on n.resident_id = r.resident_id
left join newly_achieved as a on a.resident_id = r.resident_id
left join coaching as c on c.resident_id = r.resident_id
left join reviewers as v on v.resident_id = r.resident_id
order by r.name
