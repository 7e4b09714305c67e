"""The database: the DuckDB file and its schema, the runners for the SQL in queries/, every write (each
checks the actor's role and records its audit event in the same transaction, its statements in
queries/writes/), and the meetings' agendas kept by the writes that change them.

Imports ``cbme.rules``, ``cbme.vocabulary`` and ``cbme.config``; never Streamlit or ``cbme.app``.
"""
