"""The meeting packet: a cover page with the agenda and the decisions taken, then one page per resident on
the agenda (status and reasons, flags, since the last review, the reviewers' notes, the minutes of the
decision, EPA progress, entrustment and feedback-mix charts, recent narratives, coaching).

One HTML template makes both files: Chromium loads it with plotly.js, draws every chart, swaps each
for a static SVG image, and then the page is saved (the HTML packet, self-contained, no script) and
printed (the PDF packet, one A4 page per resident: a resident whose page would overflow is scaled to
fit, never cut). Built to be read printed in greyscale: every chart pairs colour with text, marker
shapes or fill patterns. Data comes through fetch(query_name, **params), so the packet shows exactly
what the viewer may see; every value from the data is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from cbme.app import browser, charts
from cbme.config import ProgramConfig
from cbme.rules import meeting
from cbme.rules.coaching import coaching_status, last_learning_plan
from cbme.rules.status import LIGHT_BACKGROUNDS, LIGHT_LABELS, ResidentStatus, epas_to_chart
from cbme.vocabulary import COACHING_MODELS, OPPORTUNITIES, STAGES

RECENT_NARRATIVES = 3
NARRATIVE_CHARS = 300
# Chart key -> width and height in CSS pixels on the A4 page (the plan's height follows its rows), and
# how it is drawn: as vector SVG, or as a PNG at twice the size where vector fill patterns (the feedback
# mix's, for greyscale print) would make a megabyte of PDF per chart.
SIZES = {"progress": (700, None, "svg"), "entrustment": (700, 250, "svg"), "mix": (700, 210, "png")}
CHART_TIMEOUT_MS = 600_000

Fetch = Callable[..., pd.DataFrame]
Progress = Callable[[float, str], None]


@dataclass
class ResidentSheet:
    """Everything the packet shows about one resident."""

    name: str
    resident_id: str
    facts: list[tuple[str, str]]
    light: str
    reasons: list[str]
    flags: list[str]
    since: str
    reviewers: list[tuple[str, str, str]]  # (role, name, note)
    minutes: list[str]  # the decision at this meeting; empty when none is recorded yet
    decision: str | None
    coaching: list[str]
    learning_plan: list[tuple[str, str]]
    narratives: list[str]
    charts: dict[str, tuple[str, go.Figure]] = field(default_factory=dict)  # key -> (caption, figure)


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NaT


def gather(fetch: Fetch, viewer_id: str, program_id: str, as_of: dt.date, config: ProgramConfig,
           agenda: pd.DataFrame, statuses: dict[str, ResidentStatus]) -> Iterator[ResidentSheet]:
    """One sheet per agenda row, in agenda order. A resident without a stage, a coach, ratings or
    decisions still gets a whole page, saying so."""
    pairs = fetch("coaching_pairs", resident_id="", viewer=viewer_id, program_id=program_id, as_of=as_of,
                  cadence_days=config.coaching_cadence_days, coach_id="")
    all_notes = fetch("meeting_reviewer_notes", viewer=viewer_id, program_id=program_id, as_of=as_of)
    for row in agenda.itertuples():
        params = dict(viewer=viewer_id, resident_id=row.resident_id, as_of=as_of)
        profile = fetch("resident_profile", **params).iloc[0]
        sessions = fetch("resident_coaching_sessions", **params)
        pair = pairs[pairs["resident_id"] == row.resident_id]
        coaching = coaching_status(pair.iloc[0] if not pair.empty else None, as_of, config.coaching_cadence_days)
        plan = last_learning_plan(sessions, as_of)
        narratives = fetch("resident_narratives", epa_codes=[], form_types=[], date_from=dt.date(1900, 1, 1),
                           date_to=as_of, search="", **params)
        since = row.review_since
        flags = narratives[narratives["flag"].notna() & (narratives["assessment_date"] > since)]
        decisions = fetch("resident_decisions", **params)
        here = decisions[decisions["meeting_date"].dt.date == as_of]
        taken = here[here["in_force"]]
        also = [f"Also recorded at this meeting, kept in the history: version {d.version} ({d.status}), by "
                f"{d.recorded_by}." for d in here[~here["in_force"]].itertuples()]
        notes = all_notes[all_notes["resident_id"] == row.resident_id]
        model = COACHING_MODELS.get(profile["coaching_model"], "")
        status = statuses[row.resident_id]
        yield ResidentSheet(
            name=profile["name"], resident_id=row.resident_id,
            facts=[("Stage", STAGES.get(profile["stage"], "no stage recorded")), ("PGY", str(profile["pgy"])),
                   ("Coach", f"{profile['coach_name'] or 'none assigned'}{f' ({model})' if model else ''}"
                             f"{' · recused from the decision' if row.coach_on_committee else ''}"),
                   ("Previous decision", "none" if pd.isna(row.previous_decision_date) else
                    f"{row.previous_decision_status} ({row.previous_decision_date:%Y-%m-%d})")],
            light=status.light, reasons=[r.text for r in status.reasons],
            flags=[_narrative(n) for n in flags.itertuples()],
            since=row.since_last_review,
            reviewers=[(r.reviewer_role, r.name, r.note if isinstance(r.note, str) else "no note")
                       for r in notes.itertuples()],
            minutes=[] if taken.empty else meeting.minutes(taken.iloc[0]) + also,
            decision=None if taken.empty else taken.iloc[0]["status"],
            coaching=([f"Coaching {coaching.verdict}."] if coaching.verdict != "no coach" else []) + coaching.reasons,
            learning_plan=[] if plan is None else [(heading, text or "not recorded")
                                                   for heading, text in plan.parts.items()],
            narratives=[_narrative(n) for n in _recent_narratives(narratives, since).itertuples()],
        )


def _recent_narratives(narratives: pd.DataFrame, since) -> pd.DataFrame:
    """The newest comments that carry no recent flag (recent flags have a list of their own)."""
    recent_flag = narratives["flag"].notna() & (narratives["assessment_date"] > since)
    return narratives[~recent_flag].head(RECENT_NARRATIVES)


def _shorten(text: str) -> str:
    return text if len(text) <= NARRATIVE_CHARS else text[:NARRATIVE_CHARS - 1].rstrip() + "…"


def _narrative(item) -> str:
    parts = [f"{item.assessment_date:%Y-%m-%d} · {OPPORTUNITIES[item.form_type]}"
             f"{f' · {item.epa_code}' if _given(item.epa_code) else ''} · {item.assessor_name}"]
    if isinstance(item.flag, str):
        parts.append(f"FLAG ({item.flag}): {item.flag_comment or ''}")
    if isinstance(item.strengths, str) and item.strengths.strip():
        parts.append(_shorten(f"Strengths: {item.strengths}"))
    if isinstance(item.improvement, str) and item.improvement.strip():
        parts.append(_shorten(f"To improve: {item.improvement}"))
    if isinstance(item.comment, str) and item.comment.strip():
        parts.append(_shorten(f"Feedback: {item.comment}"))
    return "\n".join(parts)


def figures(fetch: Fetch, viewer_id: str, resident_id: str, as_of: dt.date, stage: str | None,
            status: ResidentStatus, since: dt.date | None) -> dict[str, tuple[str, go.Figure]]:
    """The resident's three charts, as on the resident page, sized for the printed page."""
    params = dict(viewer=viewer_id, resident_id=resident_id, as_of=as_of)
    progress = fetch("resident_epa_progress", **params)
    caption = "EPAs achieved against the assessment plan"
    if stage:  # the current stage, and what is still open from earlier ones
        stages = list(STAGES)
        earlier = progress["stage"].isin(stages[:stages.index(stage)])
        done = earlier & progress["complete"]
        progress = progress[~progress["stage"].isin(stages[stages.index(stage) + 1:]) & ~done]
        caption += f" (not shown: {int(done.sum())} complete EPAs of earlier stages)" if done.any() else ""
    observations = fetch("resident_entrustment", **params)
    counts = observations["epa_code"].value_counts()
    chosen = epas_to_chart(status, progress.loc[progress["stage"] == stage, "epa_code"], counts)
    result = {"progress": (caption, charts.epa_progress(progress, row_height=14)),
              "mix": ("Feedback opportunities by month",
                      charts.feedback_mix(fetch("resident_feedback_monthly", **params), since, as_of))}
    if chosen:
        result["entrustment"] = (f"Entrustment over time ({', '.join(chosen)})", charts.entrustment_over_time(
            observations, fetch("resident_stage_history", **params), fetch("resident_decisions", **params), chosen,
            as_of, since))
    return result


def build(fetch: Fetch, viewer_id: str, program_id: str, program_name: str, as_of: dt.date, config: ProgramConfig,
          agenda: pd.DataFrame, statuses: dict[str, ResidentStatus],
          progress: Progress = lambda share, text: None) -> tuple[bytes, str]:
    """The packet as (PDF bytes, HTML text). progress(share, words) is told each step."""
    sheets = []
    for i, (sheet, row) in enumerate(zip(gather(fetch, viewer_id, program_id, as_of, config, agenda, statuses),
                                         agenda.itertuples())):
        progress(0.4 * i / max(len(agenda), 1), f"Gathering {sheet.name} ({i + 1} of {len(agenda)})")
        since = None if pd.isna(row.review_since) else row.review_since.date()
        stage = row.stage if isinstance(row.stage, str) else None
        sheet.charts = figures(fetch, viewer_id, row.resident_id, as_of, stage, statuses[row.resident_id], since)
        sheets.append(sheet)
    title = f"{program_name}: competence committee meeting of {as_of:%Y-%m-%d}"
    return print_packet(render_html(title, sheets), progress)


def print_packet(live_html: str, progress: Progress = lambda share, text: None) -> tuple[bytes, str]:
    """Draw the charts of a rendered template in Chromium, then save the page and print it: (PDF, HTML)."""
    with browser.chromium() as chromium:
        page = chromium.new_page()
        page.set_content(live_html, wait_until="load")
        total = page.evaluate("document.querySelectorAll('div.chart').length")
        page.evaluate("() => { window.drawPacket(); }")  # started, not awaited: progress is read meanwhile
        while not page.evaluate("window.packetDone"):
            drawn = page.evaluate("window.chartsDrawn")
            progress(0.4 + 0.5 * drawn / max(total, 1), f"Drawing the charts ({drawn} of {total})")
            page.wait_for_timeout(250)
        error = page.evaluate("window.packetError")
        if error:
            raise RuntimeError(f"the packet's charts could not be drawn: {error}")
        progress(0.95, "Printing the PDF")
        static_html = page.content()  # (with the template's doctype)
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    progress(1.0, "Done")
    return pdf, static_html


def render_html(title: str, sheets: list[ResidentSheet]) -> str:
    """The packet's one template, with plotly.js and the script that draws the charts (print_packet)."""
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<section class='cover'><h1>{e(title)}</h1>{_html_agenda(sheets)}</section>"]
    for sheet in sheets:
        facts = "".join(f"<span><b>{e(k)}</b> {e(v)}</span>" for k, v in sheet.facts)
        reasons = "".join(f"<li>{e(r)}</li>" for r in sheet.reasons)
        flags = "".join(f"<pre class='flag'>{e(f)}</pre>" for f in sheet.flags)
        notes = "".join(f"<p><b>{e(role.capitalize())} reviewer, {e(name)}:</b> {e(note)}</p>"
                        for role, name, note in sheet.reviewers) or "<p>No reviewers assigned.</p>"
        minutes = (f"<p><b>{e(sheet.decision)}</b></p>" + "".join(f"<p>{e(line)}</p>" for line in sheet.minutes)
                   if sheet.decision else "<p>No decision recorded at this meeting yet.</p>")
        figures_html = "".join(
            f"<figure class='{key}'><figcaption>{e(caption)}</figcaption>{_chart(key, figure, caption)}</figure>"
            for key, (caption, figure) in sheet.charts.items())
        if "entrustment" not in sheet.charts:
            figures_html += "<figure class='entrustment'><figcaption>Entrustment over time</figcaption><p>No rated " \
                            "observation yet.</p></figure>"
        narratives = "".join(f"<pre>{e(n)}</pre>" for n in sheet.narratives) or "<p>No narrative recorded yet.</p>"
        plan = "".join(f"<p><b>{e(k)}:</b> {e(v)}</p>" for k, v in sheet.learning_plan)
        parts.append(
            f"<section class='resident'><h2>{e(sheet.name)}</h2><div class='facts'>{facts}</div>"
            f"<div class='status' style='background: {LIGHT_BACKGROUNDS[sheet.light]}'><b>Status: "
            f"{e(LIGHT_LABELS[sheet.light])}</b><ul>{reasons}</ul></div>"
            + (f"<h3>Flags since the last review</h3>{flags}" if flags else "")
            + f"<p><b>Since the last review:</b> {e(sheet.since)}</p>"
            f"<div class='columns'><div><h3>Reviewers' notes</h3>{notes}</div>"
            f"<div class='minutes'><h3>Decision at this meeting</h3>{minutes}</div></div>"
            f"<div class='charts'>{figures_html}</div>"
            f"<div class='columns'><div><h3>Recent narrative feedback</h3>{narratives}</div>"
            f"<div><h3>Coaching</h3><p>{e(' '.join(sheet.coaching))}</p>{plan}</div></div></section>")
    parts.append(f"<script>{get_plotlyjs()}</script><script>{DRAW}</script></body></html>")
    return "".join(parts)


def _chart(key: str, figure: go.Figure, caption: str) -> str:
    """A placeholder holding the figure's JSON, which the page's script draws and swaps for an image."""
    width, height, drawn_as = SIZES[key]
    spec = figure.to_plotly_json()
    layout = {**spec.get("layout", {}), "width": width, "height": height or spec["layout"].get("height"),
              "font": {"family": "DejaVu Sans, Arial, sans-serif", "size": 10},
              "margin": {"l": 5, "r": 5, "t": 30, "b": 5}, "template": "plotly_white"}
    # Every axis grows the margin its labels need (the server's default template, Streamlit's, does not).
    for axis in [name for name in layout if name.startswith(("xaxis", "yaxis"))] or ["xaxis", "yaxis"]:
        layout[axis] = {**layout.get(axis, {}), "automargin": True}
    data = json.dumps({"data": spec.get("data", []), "layout": layout}, cls=_PlotlyEncoder)
    return (f"<div class='chart' data-caption='{html.escape(caption)}' data-format='{drawn_as}' "
            f"data-figure='{html.escape(data)}'></div>")


class _PlotlyEncoder(json.JSONEncoder):
    """Figures as plotly's own JSON encoder writes them (dates, numpy arrays)."""

    def default(self, o):
        from plotly.utils import PlotlyJSONEncoder

        return PlotlyJSONEncoder().default(o)


def _html_agenda(sheets: list[ResidentSheet]) -> str:
    """The cover's table: each resident of the agenda in order, their status, the decision taken and
    the page that has their evidence and minutes."""
    e = html.escape
    rows = "".join(f"<tr><td>{page}</td><td>{e(s.name)}</td><td>{e(LIGHT_LABELS[s.light])}</td>"
                   f"<td>{e(s.decision or 'not yet decided')}</td></tr>" for page, s in enumerate(sheets, start=2))
    decided = sum(1 for s in sheets if s.decision)
    return (f"<p>{len(sheets)} residents on the agenda, ordered as presented; {decided} of {len(sheets)} decided. "
            "Each resident's page gives their evidence and the minutes of their decision.</p>"
            f"<table class='agenda'><tr><th>Page</th><th>Resident</th><th>Status</th><th>Decision at this meeting</th>"
            f"</tr>{rows}</table>")


CSS = """
@page {size: A4; margin: 11mm;}
body {font-family: 'DejaVu Sans', Arial, sans-serif; color: #111; font-size: 9.5pt; margin: 0;}
@media screen {body {max-width: 188mm; margin: 1rem auto;}}
section {break-before: page; break-inside: avoid;}
section.cover {break-before: auto;}
h1 {font-size: 15pt; margin: 0 0 4mm;} h2 {font-size: 13pt; margin: 0 0 1.5mm;}
h3 {font-size: 9.5pt; margin: 2mm 0 1mm;}
p {margin: 0.6mm 0;}
.facts span {margin-right: 5mm;}
.status {border: 1px solid #777; border-radius: 2mm; padding: 1.5mm 3mm; margin: 2mm 0;}
.status ul {margin: 0.5mm 0 0; padding-left: 5mm;}
.columns {display: flex; gap: 4mm;} .columns > div {flex: 1; min-width: 0;}
.minutes {border-left: 2px solid #333; padding-left: 2mm;} .minutes p {white-space: pre-wrap;}
.charts {display: flex; flex-wrap: wrap; gap: 1mm 4mm;}
figure {margin: 1mm 0;}
figure img {display: block;} figcaption {font-weight: bold;}
pre {white-space: pre-wrap; font-family: inherit; border-left: 3px solid #999; padding-left: 2mm; margin: 1mm 0;}
pre.flag {border-left-color: #b00;}
table {border-collapse: collapse; width: 100%;}
td, th {border: 1px solid #999; padding: 0.8mm 1.5mm; vertical-align: top; text-align: left;}
table.agenda td, table.agenda th {padding: 0.3mm 1.5mm; font-size: 8.5pt;}
"""

# Draws each chart with plotly.js, swaps it for a static SVG image, removes the scripts, and scales a
# resident's page that would overflow A4 so that it fits one page (print_packet waits for packetDone).
DRAW = """
window.chartsDrawn = 0; window.packetDone = false; window.packetError = null;
window.drawPacket = async function () {
  try {
    for (const div of Array.from(document.querySelectorAll('div.chart'))) {
      const figure = JSON.parse(div.dataset.figure);
      await Plotly.newPlot(div, figure.data, figure.layout, {staticPlot: true});
      const size = {width: figure.layout.width, height: figure.layout.height};
      const drawn = await Plotly.toImage(div, {format: div.dataset.format,
                                                scale: div.dataset.format === 'png' ? 2 : 1, ...size});
      let image;
      if (div.dataset.format === 'svg') {
        image = document.createElement('div');
        image.innerHTML = decodeURIComponent(drawn.slice(drawn.indexOf(',') + 1));
        image.setAttribute('role', 'img');
        image.setAttribute('aria-label', div.dataset.caption);
      } else {
        image = document.createElement('img');
        Object.assign(image, {src: drawn, alt: div.dataset.caption, ...size});
      }
      Plotly.purge(div); div.replaceWith(image);
      window.chartsDrawn += 1;
    }
    const pageHeight = 275 * 96 / 25.4;  // A4 less the margins, in CSS pixels
    for (const section of document.querySelectorAll('section')) {
      const height = section.getBoundingClientRect().height;
      if (height > pageHeight) section.style.zoom = (pageHeight / height * 0.98).toFixed(3);
    }
    document.querySelectorAll('script').forEach(script => script.remove());
  } catch (error) { window.packetError = String(error); }
  window.packetDone = true;
};
"""
