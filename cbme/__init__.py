"""The competence committee dashboard's logic, in layers; each package says what it may import.

- ``cbme.rules``: the committee's rules (status lights, coaching verdicts, the agenda), pure
  functions of query results.
- ``cbme.store``: the database: schema, connection, queries, every write with its audit event, and
  the summaries kept per data version.
- ``cbme.imports``: reading the platforms' exports into the store.
- ``cbme.app``: everything Streamlit draws: the frame, data for pages, widgets, charts, the packet.
- Beside them, read by every layer: ``vocabulary`` (the words and codes users see), ``config`` (each
  program's thresholds), ``downloads`` (files safe to open in a spreadsheet); and the commands
  ``admin`` (setting a program up) and ``serve`` (serving the dashboard).
"""
