-- Records a request that a person be given a role or a sign-in identity ($kind, $value), waiting for
-- a second person's confirmation.
-- Parameters: $request_id, $program_id, $person_id, $kind, $value, $requested_by, $requested_at.
insert into access_requests
values ($request_id, $program_id, $person_id, $kind, $value, $requested_by, $requested_at, 'waiting', null, null)
