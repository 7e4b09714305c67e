"""The database: the DuckDB file and its schema, the runner for the SQL in queries/, and every write (each
checks the actor's role and records its audit event in the same transaction).

Imports ``cbme.rules``, ``cbme.vocabulary`` and ``cbme.config``; never Streamlit or ``cbme.app``.
"""
