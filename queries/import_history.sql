-- One row per import into the program, newest first, with its reconciliation, who made it and whether
-- it was rolled back. Only an administrator of the program gets rows.
-- Parameters: $viewer, $program_id.
select
    i.import_id,
    i.imported_at,
    i.file_name,
    i.format,
    coalesce(p.name, i.imported_by) as imported_by,  -- a person, or the command line's user and host
    i.rows_read,
    i.rows_loaded,
    i.rows_updated,
    i.rows_rejected,
    i.duplicates_skipped,
    i.status,
    i.checksum
from imports as i
left join people as p on p.person_id = i.imported_by
where i.program_id = $program_id
    and holds_role($viewer, $program_id, ['admin'])
order by i.imported_at desc
