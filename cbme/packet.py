"""The meeting packet: one page per resident on the agenda (status and reasons, what changed since the
last review, EPA progress, entrustment and feedback-mix charts as images, recent narratives, coaching)
and the decisions taken, as PDF and as self-contained HTML. Built to be read printed in greyscale:
every chart pairs colour with text, marker shapes or fill patterns.

Data comes through `fetch(query_name, **params)`, so the packet sees exactly what the viewer may see.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import kaleido
import pandas as pd
import plotly.io as pio
from fpdf import FPDF

from cbme import charts
from cbme.config import ProgramConfig
from cbme.labels import COACHING_MODELS, OPPORTUNITIES, STAGES
from cbme.rules import coaching_status
from cbme.status import LIGHT_LABELS, ResidentStatus

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
CHART_SCALE = 2
RECENT_NARRATIVES = 4
NARRATIVE_CHARS = 320
# Chart key -> (caption, width and height in pixels): the plan full width, the other two side by side.
LAYOUT = {"progress": (900, None), "entrustment": (560, 400), "mix": (560, 400)}

Fetch = Callable[..., pd.DataFrame]


@dataclass
class ResidentSheet:
    """Everything the packet shows about one resident."""

    name: str
    resident_id: str
    facts: list[tuple[str, str]]
    light: str
    reasons: list[str]
    since: str
    coaching: list[str]
    learning_plan: list[tuple[str, str]]
    narratives: list[str]
    decision: str | None
    charts: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key -> (caption, PNG)


def gather(fetch: Fetch, viewer_id: str, program_id: str, as_of: dt.date, config: ProgramConfig,
           agenda: pd.DataFrame, statuses: dict[str, ResidentStatus]) -> Iterator[ResidentSheet]:
    """One sheet per agenda row, in agenda order, charts not yet drawn."""
    pairs = fetch("coaching_pairs", viewer=viewer_id, program_id=program_id, as_of=as_of,
                  cadence_days=config.coaching_cadence_days, coach_id="")
    for row in agenda.itertuples():
        params = dict(viewer=viewer_id, resident_id=row.resident_id, as_of=as_of)
        profile = fetch("resident_profile", **params).iloc[0]
        sessions = fetch("resident_coaching_sessions", **params)
        pair = pairs[pairs["resident_id"] == row.resident_id]
        coaching = coaching_status(pair.iloc[0] if not pair.empty else None, as_of, config.coaching_cadence_days)
        held = sessions[(sessions["status"] == "held") & sessions["plan_strengths"].notna()
                        & (sessions["scheduled_date"].dt.date <= as_of)]
        plan = held.iloc[-1] if not held.empty else None
        narratives = _recent_narratives(fetch("resident_narratives", epa_codes=[], form_types=[],
                                              date_from=dt.date(1900, 1, 1), date_to=as_of, search="", **params),
                                        row.review_since)
        model = COACHING_MODELS.get(profile["coaching_model"], "")
        also_on_committee = bool(row.coach_on_committee) and profile["coaching_model"] != "committee"
        yield ResidentSheet(
            name=profile["name"], resident_id=row.resident_id,
            facts=[("Stage", STAGES.get(profile["stage"], "not started")), ("PGY", str(profile["pgy"])),
                   ("Coach", f"{profile['coach_name'] or 'none'}{f' ({model})' if model else ''}"
                             f"{' · sits on the committee' if also_on_committee else ''}"),
                   ("Previous decision", "none" if pd.isna(row.previous_decision_date) else
                    f"{row.previous_decision_status} ({row.previous_decision_date:%Y-%m-%d})")],
            light=LIGHT_LABELS[statuses[row.resident_id].light],
            reasons=[r.text for r in statuses[row.resident_id].reasons],
            since=row.since_last_review,
            coaching=[f"Coaching {coaching.verdict}."] + coaching.reasons,
            learning_plan=[] if plan is None else [
                ("Strengths", plan["plan_strengths"]), ("Areas for improvement", plan["plan_improvement"]),
                ("Areas needing exposure", plan["plan_exposure"])],
            narratives=[_narrative(n) for n in narratives.itertuples()],
            decision=None if pd.isna(row.decision_this_meeting) else row.decision_this_meeting,
        )


def _recent_narratives(narratives: pd.DataFrame, since) -> pd.DataFrame:
    """Flagged comments since the last review first, then the newest others."""
    recent_flag = narratives["flag"].notna() & (narratives["assessment_date"] > since)
    flagged = narratives[recent_flag].head(RECENT_NARRATIVES - 1)
    others = narratives[~recent_flag].head(RECENT_NARRATIVES - len(flagged))
    return pd.concat([flagged, others])


def _shorten(text: str) -> str:
    return text if len(text) <= NARRATIVE_CHARS else text[:NARRATIVE_CHARS - 1].rstrip() + "…"


def _narrative(item) -> str:
    parts = [f"{item.assessment_date:%Y-%m-%d} · {OPPORTUNITIES[item.form_type]}"
             f"{f' · {item.epa_code}' if pd.notna(item.epa_code) else ''} · {item.assessor_name}"]
    if isinstance(item.flag, str):
        parts.append(f"FLAG ({item.flag}): {item.flag_comment or ''}")
    if isinstance(item.strengths, str) and item.strengths.strip():
        parts.append(_shorten(f"Strengths: {item.strengths}"))
    if isinstance(item.improvement, str) and item.improvement.strip():
        parts.append(_shorten(f"To improve: {item.improvement}"))
    return "\n".join(parts)


def figures(fetch: Fetch, viewer_id: str, sheet: ResidentSheet, as_of: dt.date, stage: str | None,
            since: dt.date | None) -> dict[str, tuple[str, object]]:
    """The resident's three charts, as on the resident page, compacted for a printed page."""
    params = dict(viewer=viewer_id, resident_id=sheet.resident_id, as_of=as_of)
    progress = fetch("resident_epa_progress", **params)
    if stage:
        later = list(STAGES)[list(STAGES).index(stage) + 1:]
        progress = progress[~progress["stage"].isin(later)]
    observations = fetch("resident_entrustment", **params)
    counts = observations["epa_code"].value_counts()
    current = [c for c in progress.loc[progress["stage"] == stage, "epa_code"] if c in counts]
    chosen = sorted(current, key=lambda c: -counts[c])[:4] or list(counts.index[:4])
    entrustment = charts.entrustment_over_time(observations, fetch("resident_stage_history", **params),
                                               fetch("resident_decisions", **params), chosen, as_of, since)
    mix = charts.feedback_mix(fetch("resident_feedback_monthly", **params), since, as_of)
    return {
        "progress": ("EPAs achieved against the assessment plan", charts.epa_progress(progress, row_height=14)),
        "entrustment": (f"Entrustment over time ({', '.join(chosen)})", entrustment),
        "mix": ("Feedback opportunities by month", mix),
    }


def draw(key: str, figure) -> bytes:
    """A figure as PNG, through Kaleido and the machine's Chromium."""
    width, height = LAYOUT[key]
    height = height or figure.layout.height
    figure = figure.update_layout(width=width, height=height, font_size=12, margin=dict(l=5, r=5, t=30, b=5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pio.to_image(figure, format="png", width=width, height=height, scale=CHART_SCALE)


def build(fetch: Fetch, viewer_id: str, program_id: str, program_name: str, as_of: dt.date, config: ProgramConfig,
          agenda: pd.DataFrame, statuses: dict[str, ResidentStatus],
          progress: Callable[[float, str], None] = lambda share, text: None) -> tuple[bytes, str]:
    """The packet as (PDF bytes, HTML text)."""
    sheets = []
    kaleido.start_sync_server(silence_warnings=True)
    try:
        for i, (sheet, row) in enumerate(zip(gather(fetch, viewer_id, program_id, as_of, config, agenda, statuses),
                                             agenda.itertuples())):
            progress(i / max(len(agenda), 1), f"{sheet.name} ({i + 1} of {len(agenda)})")
            since = None if pd.isna(row.review_since) else row.review_since.date()
            for key, (title, figure) in figures(fetch, viewer_id, sheet, as_of, row.stage, since).items():
                sheet.charts[key] = (title, draw(key, figure))
            sheets.append(sheet)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    progress(1.0, "Writing the PDF")
    title = f"{program_name}: competence committee meeting of {as_of:%Y-%m-%d}"
    return render_pdf(title, sheets, agenda), render_html(title, sheets, agenda)


def render_html(title: str, sheets: list[ResidentSheet], agenda: pd.DataFrame) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title><style>{CSS}"
             f"</style></head><body><h1>{e(title)}</h1>", _html_agenda(agenda)]
    for sheet in sheets:
        facts = "".join(f"<div><span>{e(k)}</span> {e(v)}</div>" for k, v in sheet.facts)
        reasons = "".join(f"<li>{e(r)}</li>" for r in sheet.reasons)
        images = "".join(f"<figure class='{key}'><figcaption>{e(t)}</figcaption><img alt='{e(t)}' "
                         f"src='data:image/png;base64,{base64.b64encode(png).decode()}'></figure>"
                         for key, (t, png) in sheet.charts.items())
        narratives = "".join(f"<pre>{e(n)}</pre>" for n in sheet.narratives) or "<p>None recorded.</p>"
        plan = "".join(f"<div><span>{e(k)}</span> {e(v)}</div>" for k, v in sheet.learning_plan)
        decision = f"<p class='decision'>Decision at this meeting: {e(sheet.decision)}</p>" if sheet.decision else ""
        parts.append(
            f"<section><h2>{e(sheet.name)}</h2><div class='facts'>{facts}</div>"
            f"<p class='status'>Status: <strong>{e(sheet.light)}</strong></p><ul>{reasons}</ul>"
            f"<p>Since the last review: {e(sheet.since)}</p>{decision}{images}"
            f"<h3>Recent narrative feedback</h3>{narratives}"
            f"<h3>Coaching</h3><p>{e(' '.join(sheet.coaching))}</p><div class='facts'>{plan}</div></section>")
    parts.append(_html_decisions(agenda) + "</body></html>")
    return "".join(parts)


def _html_agenda(agenda: pd.DataFrame) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(r.name)}</td><td>{e(r.status)}</td><td>{e(r.reasons)}</td></tr>"
                   for r in agenda.itertuples())
    return f"<h2>Agenda</h2><table><tr><th>Resident</th><th>Status</th><th>Why</th></tr>{rows}</table>"


def _html_decisions(agenda: pd.DataFrame) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(r.name)}</td><td>{e(r.decision_this_meeting)}</td></tr>"
                   for r in agenda.itertuples() if pd.notna(r.decision_this_meeting))
    return (f"<section><h2>Decisions taken</h2><table><tr><th>Resident</th><th>Decision</th></tr>{rows}</table>"
            "</section>" if rows else "<section><h2>Decisions taken</h2><p>None recorded yet.</p></section>")


CSS = """
body {font-family: 'DejaVu Sans', Arial, sans-serif; color: #111; max-width: 60rem; margin: 2rem auto;}
section {page-break-before: always; break-before: page;}
.facts div {display: inline-block; margin-right: 2rem;} .facts span {color: #555;}
.status strong {font-size: 1.2rem;} figure {margin: 1rem 0;} figure img {width: 100%;}
figure.entrustment, figure.mix {display: inline-block; width: 49%; margin: 0;}
figcaption {font-weight: bold;} pre {white-space: pre-wrap; font-family: inherit; border-left: 3px solid #999;
padding-left: .5rem;} table {border-collapse: collapse;} td, th {border: 1px solid #999; padding: .25rem .5rem;
vertical-align: top; text-align: left;}
"""


class _Pdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.title_text = title
        self.set_auto_page_break(True, margin=15)
        regular, bold = _font("DejaVuSans.ttf"), _font("DejaVuSans-Bold.ttf")
        if regular and bold:
            self.add_font("Body", "", regular)
            self.add_font("Body", "B", bold)
            self.family = "Body"
        else:  # no Unicode font on this machine: core font, text reduced to Latin-1
            self.family = "Helvetica"

    def text(self, value: str) -> str:
        return value if self.family == "Body" else value.encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 5, self.text(f"{self.title_text} · page {self.page_no()} · confidential"), align="C")

    def heading(self, value: str, size: int = 14):
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.text(value))
        self.ln(1)

    def chart(self, caption: str, png: bytes, x: float, width: float, y: float | None = None) -> float:
        """Place a chart with its caption at (x, y); return the bottom edge."""
        if y is not None:
            self.set_xy(x, y)
        self.set_x(x)
        self.set_font(self.family, "B", 8)
        self.multi_cell(width, 4, self.text(caption))
        info = self.image(io.BytesIO(png), x=x, y=self.get_y(), w=width)
        bottom = self.get_y() if info is None else info.rendered_height + self.get_y()
        self.set_y(bottom + 1)
        return bottom

    def column(self, x: float, width: float, heading: str, paragraphs: list[str]):
        self.set_x(x)
        self.set_font(self.family, "B", 9)
        self.multi_cell(width, 4.5, self.text(heading))
        self.set_font(self.family, "", 7)
        for text in paragraphs:
            self.set_x(x)
            self.multi_cell(width, 3.3, self.text(text))
            self.ln(1)

    def para(self, value: str, size: int = 9, bold: bool = False):
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.text(value))
        self.ln(0.5)


def _font(name: str) -> str | None:
    return next((str(d / name) for d in FONT_DIRS if (d / name).exists()), None)


def render_pdf(title: str, sheets: list[ResidentSheet], agenda: pd.DataFrame) -> bytes:
    pdf = _Pdf(title)
    pdf.add_page()
    pdf.heading(title, 16)
    pdf.para(f"{len(agenda)} residents on the agenda, ordered by concern.", 10)
    for r in agenda.itertuples():
        pdf.para(f"{r.name}: {r.status}. {r.reasons}", 8)
    for sheet in sheets:
        pdf.add_page()
        pdf.heading(sheet.name, 15)
        pdf.para("   ".join(f"{k}: {v}" for k, v in sheet.facts), 8)
        pdf.para(f"Status: {sheet.light}", 11, bold=True)
        for reason in sheet.reasons:
            pdf.para(f"• {reason}", 8)
        pdf.para(f"Since the last review: {sheet.since}", 8)
        if sheet.decision:
            pdf.para(f"Decision at this meeting: {sheet.decision}", 9, bold=True)
        pdf.chart(*sheet.charts["progress"], x=pdf.l_margin, width=pdf.epw)
        half = (pdf.epw - 4) / 2
        top = pdf.get_y()
        left = pdf.chart(*sheet.charts["entrustment"], x=pdf.l_margin, width=half, y=top)
        right = pdf.chart(*sheet.charts["mix"], x=pdf.l_margin + half + 4, width=half, y=top)
        pdf.set_xy(pdf.l_margin, max(left, right) + 1)
        columns_top = pdf.get_y()
        pdf.column(pdf.l_margin, half, "Recent narrative feedback", sheet.narratives or ["None recorded."])
        narrative_bottom = pdf.get_y()
        pdf.set_y(columns_top)
        plan = [f"{heading}: {text}" for heading, text in sheet.learning_plan]
        pdf.column(pdf.l_margin + half + 4, half, "Coaching", [" ".join(sheet.coaching)] + plan)
        pdf.set_y(max(narrative_bottom, pdf.get_y()))
    pdf.add_page()
    pdf.heading("Decisions taken", 14)
    taken = [r for r in agenda.itertuples() if pd.notna(r.decision_this_meeting)]
    for r in taken:
        pdf.para(f"{r.name}: {r.decision_this_meeting}", 9)
    if not taken:
        pdf.para("None recorded yet.", 9)
    return bytes(pdf.output())
