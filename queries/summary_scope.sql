-- Someone whose scope is the whole program (its lead or a committee member: see visible_residents), to
-- build the agenda as the committee sees it; no row when the program has none.
-- Parameters: $program_id.
select person_id
from roles
where program_id = $program_id and role in ('program_lead', 'committee_chair', 'committee_member')
order by person_id
limit 1
