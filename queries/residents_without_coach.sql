-- One row per resident of the program in training on the as-of date (whom the viewer may see) who has
-- no coach on that date.
-- Parameters: $viewer, $program_id, $as_of.
select r.resident_id, r.name, stage_on(r.resident_id, $as_of) as stage, r.training_start_date
from residents as r
where r.program_id = $program_id
    and r.training_start_date <= $as_of
    and r.status in ('active', 'on leave')
    and r.resident_id in (select resident_id from visible_residents($viewer))
    and not exists (
        select 1 from coach_pairs_on($as_of) as a where a.resident_id = r.resident_id
    )
order by r.name
