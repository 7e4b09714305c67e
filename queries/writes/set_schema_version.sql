-- Records the version of the data model the database file follows.
-- Parameters: $version.
insert into dashboard_meta values ('schema_version', $version)
on conflict (key) do update set value = excluded.value
