"""Imports: bring a program's exports in, see what was loaded and what was not and why, roll back."""

import streamlit as st

from cbme import importer, ui
from cbme.db import ROOT
from cbme.downloads import csv_text

view = ui.view()
st.title("Imports")
st.caption("Formats: the dashboard's own tables (a CSV per table, or one workbook with a sheet per table), "
           "the Elentra assessment export and the Royal College ePortfolio observation summary workbook. "
           "Re-importing a file, or an export that repeats last month's rows, adds only what is new; a corrected "
           "row replaces the stored one. See docs/importing.md.")

upload = st.file_uploader("Export file", type=["csv", "xlsx"], key="imports_file")
mapping_file = st.file_uploader("Column mapping (optional, for any other export: see docs/mapping.md)", type=["toml"],
                                key="imports_mapping")
if upload is not None:
    data = upload.getvalue()
    try:
        mapping = importer.load_mapping(mapping_file.getvalue().decode("utf-8", "replace"), mapping_file.name) \
            if mapping_file is not None else None
        detected, parts = importer.detect(data, upload.name, mapping)
    except importer.ImportFailed as error:
        st.error(str(error))
    else:
        rows = sum(len(sheet.frame) for _, sheet in parts)
        st.success(f"Detected: **{detected}** · {rows:,} rows")
        for table, sheet in parts:
            st.caption(f"First rows{f' of {sheet.name}' if sheet.name else ''} in the dashboard's columns, as they "
                       f"will be loaded into {table} once checked:")
            st.dataframe(sheet.frame.head(8).drop(columns="__row"), hide_index=True)
        if st.button(f"Import into {view.program_name}", type="primary", key="imports_run"):
            bar = st.progress(0.0, text="Reading")
            try:
                report = importer.run_import(ui.connection(), data, upload.name, view.program_id, view.viewer_id,
                                             lambda share, text: bar.progress(share, text=text), mapping)
                st.session_state["imports_report"] = report
            except importer.ImportFailed as error:
                st.error(str(error))
            bar.empty()

report = st.session_state.get("imports_report")
if report is not None:
    st.subheader(f"Reconciliation: {report.file_name}")
    cols = st.columns(5)
    for col, (label, value) in zip(cols, [("Rows read", report.rows_read), ("Loaded", report.loaded),
                                          ("Updated (corrected)", report.updated), ("Rejected", report.rejected),
                                          ("Duplicates skipped", report.duplicates)]):
        col.metric(label, f"{value:,}")
    total = report.loaded + report.updated + report.rejected + report.duplicates
    (st.success if report.reconciles() else st.error)(
        f"{report.rows_read:,} rows read = {report.loaded:,} loaded + {report.updated:,} updated + "
        f"{report.rejected:,} rejected + {report.duplicates:,} duplicates skipped ({total:,}).")
    for check in report.checks:
        st.warning(f"The file's own totals disagree with its rows: {check}", icon=":material/rule:")
    for kind, created in report.created.items():
        if created:
            st.text(f"Created {len(created)} new {kind}: "
                    + ", ".join(str(c[2] if kind == "residents" else c[1]) for c in created))
    if report.rejections:
        rejected = report.rejections_frame()
        st.dataframe(rejected, hide_index=True)
        st.download_button("Download the rejected rows (CSV)", csv_text(rejected),
                           file_name=f"rejected-{report.import_id}.csv", mime="text/csv", key="imports_rejected",
                           on_click=lambda: ui.audit("export rejected rows", import_id=report.import_id))

st.subheader("Import history")
history = ui.fetch("import_history", viewer=view.viewer_id, program_id=view.program_id)
if history.empty:
    st.caption("No imports yet.")
else:
    st.dataframe(history, hide_index=True, column_config={
        "import_id": "Import", "imported_at": st.column_config.DatetimeColumn("When (UTC)"), "file_name": "File",
        "format": "Format", "imported_by": "By", "rows_read": "Read", "rows_loaded": "Loaded",
        "rows_updated": "Updated", "rows_rejected": "Rejected", "duplicates_skipped": "Duplicates",
        "status": "Status", "checksum": None})
    committed = history[history["status"] == "committed"]
    if not committed.empty:
        labels = {r.import_id: f"{r.imported_at:%Y-%m-%d %H:%M} · {r.file_name}" for r in committed.itertuples()}
        chosen = st.selectbox("Roll back an import", list(labels), format_func=labels.get, key="imports_rollback_id")
        if st.button("Roll back", key="imports_rollback"):
            importer.rollback_import(ui.connection(), view.viewer_id, chosen)
            st.rerun()

st.subheader("Templates")
st.caption("One CSV per table, or one workbook with a sheet per table; the data dictionary explains every column.")
columns = {table: [c[0] for c in spec["columns"]] for table, spec in importer.SPECS.items()}
cols = st.columns(3)
cols[0].download_button("Workbook template (XLSX)", importer.template_workbook,  # written when clicked
                        file_name="dashboard-template.xlsx", key="imports_workbook")
cols[1].download_button("Assessments template (CSV)", ",".join(columns["assessments"]) + "\n",
                        file_name="assessments.csv", key="imports_assessments")
cols[2].download_button("Data dictionary (Markdown)", (ROOT / "docs" / "data-dictionary.md").read_text(),
                        file_name="data-dictionary.md", key="imports_dictionary")
templates = st.expander("CSV templates for every table", key="imports_templates", on_change="rerun")
if templates.open:  # a download button per table, made only when asked for
    for table, names in columns.items():
        templates.download_button(f"{table}.csv", ",".join(names) + "\n", file_name=f"{table}.csv",
                                  key=f"imports_template_{table}")
