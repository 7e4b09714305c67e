-- One row per internal setting of the database (data_version, demo_data).
-- Parameters: none.
select m.key, m.value
from dashboard_meta as m
