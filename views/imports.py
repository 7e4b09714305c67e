"""Imports: bring a program's exports in, see what was loaded and what was not and why, roll back.
Text from the file (names, values, the mapping's name) is shown as plain text, never as markdown."""

import streamlit as st

from cbme import imports
from cbme.app import frame, reads
from cbme.app.markup import escape_markdown
from cbme.store.db import ROOT

view = frame.view()
st.title("Imports")
st.caption("Formats: the dashboard's own tables (a CSV per table, or one workbook with a sheet per table), "
           "the Elentra assessment export, the Royal College ePortfolio Observation Summary Report workbook, and "
           "any other export through a column mapping. Re-importing a file, or an export that repeats last month's "
           "rows, adds only what is new. See docs/importing.md.")

limit_mb = st.get_option("server.maxUploadSize")
upload = st.file_uploader("Export file", type=["csv", "xlsx"], key="imports_file")
mapping_file = st.file_uploader("Column mapping (optional, for any other export: see docs/mapping.md)", type=["toml"],
                                key="imports_mapping")
if upload is not None:
    data = upload.getvalue()
    try:
        if len(data) > limit_mb * 2**20:
            raise imports.ImportFailed(f"{upload.name} is larger than the {limit_mb} MB an upload may be; import it "
                                       "from the command line (docs/importing.md).")
        mapping = imports.load_mapping(mapping_file.getvalue().decode("utf-8", "replace"), mapping_file.name) \
            if mapping_file is not None else None
        # Read once per file, mapping and program, not on every rerun of the page (a choice below reruns it).
        shown = (upload.file_id, mapping_file.file_id if mapping_file else None, view.program_id)
        if st.session_state.get("imports_preview_of") != shown:
            st.session_state["imports_preview"] = imports.preview(reads.connection(), data, upload.name,
                                                                  view.program_id, mapping)
            st.session_state["imports_preview_of"] = shown
        found = st.session_state["imports_preview"]
    except imports.ImportFailed as error:
        st.error(escape_markdown(error), icon=":material/error:")
    else:
        st.success(escape_markdown(f"Detected: {found.format} · {found.rows:,} rows"))
        for table, sheet, _, first_rows in found.parts:
            st.caption(escape_markdown(f"First rows of {sheet or upload.name} as they will be loaded into {table} "
                                       "once checked:"))
            st.dataframe(first_rows, hide_index=True)
        reverts = st.checkbox("Let this file put back values that a later import corrected (an older export)",
                              key="imports_allow_reverts")
        orders = {None: "Decided by each date column (a column that never tells is refused)",
                  "day-first": "Day first: 01/02/2026 is 1 February",
                  "month-first": "Month first: 01/02/2026 is 2 January"}
        order = st.radio("Slashed dates such as 01/02/2026", list(orders), format_func=orders.get,
                         key="imports_date_order", horizontal=True)
        if st.button(f"Import into {escape_markdown(view.program_name)}", type="primary", key="imports_run"):
            bar = st.progress(0.0, text="Reading")
            try:
                report = imports.run_import(reads.connection(), data, upload.name, view.program_id, view.viewer_id,
                                            lambda share, text: bar.progress(share, text=text), mapping, reverts,
                                            imports.DATE_ORDERS.get(order))
                st.session_state["imports_report"] = report
            except imports.ImportFailed as error:
                st.error(escape_markdown(error), icon=":material/error:")
            bar.empty()

report = st.session_state.get("imports_report")
if report is not None:
    st.subheader("Reconciliation")
    st.text(report.file_name)
    cols = st.columns(6)
    for col, (label, value) in zip(cols, [("Rows read", report.rows_read), ("Loaded", report.loaded),
                                          ("Updated (corrected)", report.updated), ("Rejected", report.rejected),
                                          ("Duplicates skipped", report.duplicates),
                                          ("Held back", len(report.held_back))]):
        col.metric(label, f"{value:,}")
    held = f" + {len(report.held_back):,} held back" if report.held_back else ""
    total = report.loaded + report.updated + report.rejected + report.duplicates + len(report.held_back)
    (st.success if report.reconciles() else st.error)(
        f"{report.rows_read:,} rows read = {report.loaded:,} loaded + {report.updated:,} updated + "
        f"{report.rejected:,} rejected + {report.duplicates:,} duplicates skipped{held} ({total:,}).")
    if report.totals_compared and not report.checks:
        st.success(f"Checked: {imports.agreement(report)}.", icon=":material/rule:")
    if report.checks:
        st.warning("The file's own totals against the rows kept:", icon=":material/rule:")
        st.text("\n".join(report.checks))
    if report.held_back:
        st.warning("Some rows would put back values that a later import corrected, so they were held back. If this "
                   "file is the newer one, tick the box above and import it again.", icon=":material/history:")
        st.text("\n".join(f"{table}: {key}" for table, key in report.held_back[:50]))
    for kind, created in report.created.items():
        if created:
            st.text(f"Created {imports.created_text(kind, created)}")
    if report.rejections:
        rejected = report.rejections_frame()
        st.dataframe(rejected, hide_index=True, column_config={
            "file": "File", "sheet": "Sheet" if rejected["sheet"].any() else None, "row": "Row", "column": "Column",
            "value": "Value", "reason": st.column_config.TextColumn("Why it was rejected", width="large")})
        st.download_button("Download the rejected rows (CSV)", imports.rejected_rows_csv([report]),
                           file_name=f"rejected-{report.import_id}.csv", mime="text/csv", key="imports_rejected",
                           on_click=lambda: frame.audit("export rejected rows", import_id=report.import_id),
                           help="Each rejected row as the file has it, with its row number and reasons: fix the "
                                "cells and import the file again.")

st.subheader("Import history")
history = reads.fetch("import_history", viewer=view.viewer_id, program_id=view.program_id)
if history.empty:
    st.caption("No imports yet.")
else:
    st.dataframe(history, hide_index=True, placeholder="—", column_order=[
        "imported_at", "file_name", "status", "rows_read", "rows_loaded", "rows_updated", "rows_rejected",
        "duplicates_skipped", "imported_by", "format", "import_id"], column_config={
        "import_id": "Import", "imported_at": st.column_config.DatetimeColumn("When (UTC)"), "file_name": "File",
        "format": "Format", "imported_by": "By", "rows_read": "Read", "rows_loaded": "Loaded",
        "rows_updated": "Updated", "rows_rejected": "Rejected", "duplicates_skipped": "Duplicates",
        "status": "Status"})
    if "imports_rolled_back" in st.session_state:
        st.success(escape_markdown(st.session_state.pop("imports_rolled_back")))
    committed = history[history["status"] == "committed"]
    if not committed.empty:
        labels = {r.import_id: f"{r.imported_at:%Y-%m-%d %H:%M} · {r.file_name}" for r in committed.itertuples()}
        chosen = st.selectbox("Roll back an import", list(labels), format_func=labels.get, key="imports_rollback_id",
                              index=None, placeholder="Choose an import to roll back")
        if chosen:
            sure = st.checkbox(escape_markdown(f"Remove the rows {labels[chosen]} added, and give back what it "
                                               "corrected"), key=f"imports_rollback_sure_{chosen}")
            if st.button("Roll back", key="imports_rollback", disabled=not sure):
                imports.rollback_import(reads.connection(), view.viewer_id, chosen)
                st.session_state["imports_rolled_back"] = f"Rolled back: {labels[chosen]}."
                st.rerun()

st.subheader("Templates")
st.caption("One CSV per table, or one workbook with a sheet per table; the data dictionary explains every column "
           "and marks the required ones.")
cols = st.columns(3)
cols[0].download_button("Workbook template (XLSX)", imports.template_workbook,  # written when clicked
                        file_name="dashboard-template.xlsx", key="imports_workbook")
cols[1].download_button("Assessments template (CSV)", imports.template_csv("assessments"),
                        file_name="assessments.csv", key="imports_assessments")
cols[2].download_button("Data dictionary (Markdown)", (ROOT / "docs" / "data-dictionary.md").read_text(),
                        file_name="data-dictionary.md", key="imports_dictionary")
templates = st.expander("CSV templates for every table", key="imports_templates", on_change="rerun")
if templates.open:  # a download button per table, made only when asked for
    for table in imports.tables():
        templates.download_button(f"{table}.csv", imports.template_csv(table), file_name=f"{table}.csv",
                                  key=f"imports_template_{table}")
