-- Marks a waiting request confirmed or declined ($status), by whom and when.
-- Parameters: $request_id, $status, $decided_by, $decided_at.
update access_requests
set status = $status, decided_by = $decided_by, decided_at = $decided_at
where request_id = $request_id
