-- Sets the resident the chair is presenting at a meeting, replacing the one presented before.
-- Parameters: $program_id, $meeting_date, $resident_id, $presented_by, $presented_at.
insert into meeting_presenting values ($program_id, $meeting_date, $resident_id, $presented_by, $presented_at)
on conflict (program_id, meeting_date) do update
set resident_id = excluded.resident_id,
    presented_by = excluded.presented_by,
    presented_at = excluded.presented_at
