"""The committee's rules: pure functions from query results to verdicts and their reasons in words.

Imports only ``cbme.vocabulary`` and ``cbme.config`` (and pandas): no database, no Streamlit, so every
rule is tested on a few rows written out in a test.
"""
