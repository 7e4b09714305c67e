-- The person a sign-in identity (an email or a subject, normalised) belongs to: none or one row.
-- Parameters: $identity.
select person_id
from sign_in_identities
where identity = $identity
