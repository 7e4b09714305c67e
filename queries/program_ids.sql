-- Every program's id.
-- Parameters: none.
select program_id
from programs
order by program_id
