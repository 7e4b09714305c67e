"""Importing the exports programs have: read a file within bounds, detect its format, validate every
row against the schema's own rules, reconcile it with what is stored, and write it in one
transaction, keeping every rejected row and every correction. docs/importing.md is the user's guide.

Layers, each importing only those above it: tables (the schema's rules), reading (files to sheets of
text), reconciliation (reports, identity from content, the file's own totals), validation (typed rows
and rejections), people (named residents and observers); the formats canonical, elentra, eportfolio
and mapping; writing (the transaction, rollback); run (one import, several files); inbox (imports
while the dashboard serves); cli (the command line, `python -m cbme.imports`). Nothing here imports
streamlit.
"""

from cbme.imports.canonical import template_csv, template_workbook
from cbme.imports.mapping import load_mapping
from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import Rejection, Report, rejected_rows_csv, summary_text
from cbme.imports.run import detect, import_files, run_import
from cbme.imports.tables import tables
from cbme.imports.writing import rollback_import

__all__ = ["ImportFailed", "Rejection", "Report", "detect", "import_files", "load_mapping", "rejected_rows_csv",
           "rollback_import", "run_import", "summary_text", "tables", "template_csv", "template_workbook"]
