-- One row per stage the resident had entered by the as-of date, oldest first.
-- Parameters: $viewer, $resident_id, $as_of.
select s.stage, s.start_date
from resident_stages as s
where s.resident_id = $resident_id
    and s.resident_id in (select resident_id from visible_residents($viewer))
    and s.start_date <= $as_of
order by s.start_date
