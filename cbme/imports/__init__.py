"""Importing the exports programs have: read a file within bounds into a staging database of its own,
detect its format, validate every row against the schema's own rules, reconcile it with what is
stored, and write it in one transaction, keeping every rejected row and every correction, in bounded
memory whatever the file's length. docs/importing.md is the user's guide.

Layers, each importing only those above it: tables (the schema's rules), reading (the staging
database, CSV files into its tables), workbooks (workbooks into its tables), validation (typed rows
and rejections, set-based), exports (what platforms' exports share, as SQL: roles, flags, ids from
content), people (named residents and observers), reconciliation (reports, settling rows against
what is stored and each other, the file's own totals); the formats canonical, elentra, eportfolio and
mapping; writing (the transaction, rollback); run (one import, several files); inbox (imports while
the dashboard serves); cli (the command line, `python -m cbme.imports`). Nothing here imports
streamlit.
"""

from cbme.imports.canonical import template_csv, template_workbook
from cbme.imports.mapping import load_mapping
from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import Rejection, Report, agreement, created_text, rejected_rows_csv, summary_text
from cbme.imports.run import import_files, preview, run_import
from cbme.imports.tables import tables
from cbme.imports.validation import DATE_ORDERS
from cbme.imports.writing import rollback_import

__all__ = ["DATE_ORDERS", "ImportFailed", "Rejection", "Report", "agreement", "created_text", "import_files",
           "load_mapping", "preview", "rejected_rows_csv", "rollback_import", "run_import", "summary_text", "tables",
           "template_csv", "template_workbook"]
