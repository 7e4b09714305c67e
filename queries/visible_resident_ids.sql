-- Every resident the viewer may see, in any program and on any date: the check before a resident's
-- data, computed once for everyone allowed to see them, is handed to this viewer (ui.fetch).
-- Parameters: $viewer.
select resident_id
from visible_residents($viewer)
