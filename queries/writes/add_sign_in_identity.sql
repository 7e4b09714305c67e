-- Lets a sign-in identity (an email or a subject, lower case) map to a person (nothing changes when it
-- does already).
-- Parameters: $identity, $person_id.
insert into sign_in_identities values ($identity, $person_id)
on conflict do nothing
