-- Adds one to the data version, which every cached result is keyed on (1 for a new file).
-- Parameters: none.
insert into dashboard_meta values ('data_version', '1')
on conflict (key) do update set value = (cast(dashboard_meta.value as integer) + 1)::varchar
