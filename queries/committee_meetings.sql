-- One row per scheduled meeting of the program's committee, oldest first, with how many residents
-- have a decision recorded at it. Only someone holding a role in the program gets rows.
-- Parameters: $viewer, $program_id.
select
    m.meeting_date,
    (
        select count(distinct d.resident_id)
        from committee_decisions as d
        join residents as r on r.resident_id = d.resident_id
        where r.program_id = $program_id and d.meeting_date = m.meeting_date
    ) as residents_decided
from committee_meetings as m
where m.program_id = $program_id
    and exists (select 1 from roles where person_id = $viewer and program_id = $program_id)
order by m.meeting_date
