-- The program a resident belongs to (no row for an unknown resident), to name what a write changes.
-- Parameters: $resident_id.
select program_id
from residents
where resident_id = $resident_id
