-- One row per current coaching pair (coach and coachee) of the program on the as-of date, for coachees
-- the viewer may see (and, when $coach_id is not empty, only that coach's): the pair's sessions up to
-- the as-of date, the last one held, when the next is due ($cadence_days after the last held, or after
-- the pairing began when none was held), days overdue (counted from the day after it was due), the
-- sessions missed since the last held one, and the next planned session.
-- Parameters: $viewer, $program_id, $as_of, $cadence_days, $coach_id, $resident_id (empty: any).
with pairs as (
    select a.resident_id, r.name as resident_name, a.coach_id, p.name as coach_name, a.start_date as pairing_start
    from coach_pairs_on($as_of) as a
    join residents as r on r.resident_id = a.resident_id
    join people as p on p.person_id = a.coach_id
    where r.program_id = $program_id
        and a.resident_id in (select resident_id from visible_residents($viewer))
        and ($coach_id = '' or a.coach_id = $coach_id)
        and ($resident_id = '' or a.resident_id = $resident_id)
),

sessions as (
    select c.resident_id, c.coach_id, c.scheduled_date, c.status
    from coaching_sessions as c
    join pairs as p on p.resident_id = c.resident_id and p.coach_id = c.coach_id
),

per_pair as (
    select
        p.resident_id,
        p.coach_id,
        max(s.scheduled_date) filter (where s.status = 'held' and s.scheduled_date <= $as_of) as last_held,
        min(s.scheduled_date) filter (where s.scheduled_date > $as_of) as next_planned,
        count(s.status) filter (where s.status = 'held' and s.scheduled_date <= $as_of) as held,
        count(s.status) filter (where s.status = 'cancelled by resident' and s.scheduled_date <= $as_of)
            as cancelled_by_resident,
        count(s.status) filter (where s.status = 'cancelled by coach' and s.scheduled_date <= $as_of)
            as cancelled_by_coach,
        count(s.status) filter (where s.status = 'no-show' and s.scheduled_date <= $as_of) as no_show
    from pairs as p
    left join sessions as s on s.resident_id = p.resident_id and s.coach_id = p.coach_id
    group by p.resident_id, p.coach_id
),

due as (
    select
        p.*,
        pp.last_held,
        pp.next_planned,
        pp.held,
        pp.cancelled_by_resident,
        pp.cancelled_by_coach,
        pp.no_show,
        coalesce(pp.last_held, p.pairing_start) + cast($cadence_days as integer) as next_due
    from pairs as p
    join per_pair as pp on pp.resident_id = p.resident_id and pp.coach_id = p.coach_id
),

missed as (
    select d.resident_id, d.coach_id, count(s.status) as missed_since_last_held
    from due as d
    left join sessions as s
        on s.resident_id = d.resident_id and s.coach_id = d.coach_id
        and s.status in ('cancelled by resident', 'cancelled by coach', 'no-show')
        and s.scheduled_date > coalesce(d.last_held, d.pairing_start - 1) and s.scheduled_date <= $as_of
    group by d.resident_id, d.coach_id
)

select
    d.resident_id,
    d.resident_name,
    d.coach_id,
    d.coach_name,
    d.pairing_start,
    d.last_held,
    date_diff('day', d.last_held, $as_of::date) as days_since_last_held,
    d.next_due,
    greatest(0, date_diff('day', d.next_due, $as_of::date)) as days_overdue,
    m.missed_since_last_held,
    d.next_planned,
    d.held,
    d.cancelled_by_resident,
    d.cancelled_by_coach,
    d.no_show,
    round((d.cancelled_by_resident + d.cancelled_by_coach + d.no_show)
        / nullif(d.held + d.cancelled_by_resident + d.cancelled_by_coach + d.no_show, 0), 3) as missed_share
from due as d
join missed as m on m.resident_id = d.resident_id and m.coach_id = d.coach_id
order by days_overdue desc, d.coach_name, d.resident_name
