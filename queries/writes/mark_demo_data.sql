-- Marks the database as holding only the generated demo program, which offers the demo users.
-- Parameters: none.
insert into dashboard_meta values ('demo_data', 'true')
