"""Chart builders: a query's DataFrame in, a plotly Figure out. No data access, no Streamlit."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from cbme.vocabulary import (
    DECISION_COLOURS,
    ENTRUSTMENT,
    OKABE_ITO,
    OPPORTUNITIES,
    OPPORTUNITY_COLOURS,
    OPPORTUNITY_PATTERNS,
    SERIES_COLOURS,
    SESSION_STATUSES,
    SESSION_STYLES,
    STAGES,
)

WEBGL_FROM = 1000  # points; above this, scatter traces render with WebGL
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=13)
MARKERS = ["circle", "square", "diamond", "triangle-up", "cross", "star", "hexagon", "triangle-down"]


AXIS = dict(showline=True, linecolor="#888", gridcolor="#eee")




def _figure(traces: list[dict] | dict, height: int, xaxis: dict | None = None, yaxis: dict | None = None,
            **layout) -> go.Figure:
    """The figure with its whole layout given at once (piecemeal updates such as add_vline cost
    milliseconds apiece); traces are dicts with their plotly "type". Columns go in as arrays: Streamlit
    copies the figure on every run, and a pandas Series is slower to copy and to send."""
    traces = [{key: value.to_numpy() if isinstance(value, pd.Series) else value for key, value in trace.items()}
              for trace in (traces if isinstance(traces, list) else [traces])]
    return go.Figure(traces, layout=dict(
        height=height, margin=dict(l=10, r=10, t=40, b=10), font=FONT, plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), xaxis={**AXIS, **(xaxis or {})},
        yaxis={**AXIS, **(yaxis or {})}, **{key: value for key, value in layout.items() if value != []}))


def _vline(x, **line) -> dict:
    """A vertical line across the plot at x, as a layout shape."""
    return dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=line)


def _vrect(x0, x1, colour: str, opacity: float = 1.0) -> dict:
    """A shaded band across the plot from x0 to x1, under the data, as a layout shape."""
    return dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, fillcolor=colour, opacity=opacity,
                line=dict(width=0), layer="below")


def _note(x, text: str, y: float = 1.0, yref: str = "paper", **style) -> dict:
    """A label without arrow at x (by default at the top of the plot), as a layout annotation."""
    return dict(x=x, y=y, xref="x", yref=yref, text=text, showarrow=False, **style)


def _text(values: pd.Series) -> list[str]:
    """Data for hover labels, escaped: plotly renders tags such as <a> and <b> inside labels."""
    return [html.escape(str(v)) for v in values]


def _scatter(n_points: int) -> str:
    return "scattergl" if n_points > WEBGL_FROM else "scatter"


def epa_progress(progress: pd.DataFrame, row_height: int = 24) -> go.Figure:
    """Bullet bars: share of each EPA's assessment plan achieved, grouped by stage, counts as text.

    progress has the columns of resident_epa_progress.sql.
    """
    rows = progress.iloc[::-1]  # plotly draws the first category at the bottom
    share = (rows["achieved"] / rows["required_observations"]).clip(upper=1.0) * 100
    state = rows["complete"].map({True: "complete", False: "in progress"}).where(rows["achieved"] > 0,
                                                                                  "not started")
    colours = state.map({"complete": OKABE_ITO["blue"], "in progress": OKABE_ITO["orange"],
                         "not started": "#bbbbbb"})
    text = [f"✓ {a} achieved, {r} required" if s == "complete" else f"{a} of {r} achieved" for s, a, r in
            zip(state, rows["achieved"], rows["required_observations"])]
    y = [[STAGES[s] for s in rows["stage"]], _text(rows["epa_code"])]
    hover = [f"<b>{c}</b> {t}<br>{o} observations ({x} expired) from {n} assessors<br>"
             f"achieved: {a} of {r} at entrustment ≥ {g}"
             for c, t, o, x, n, a, r, g in zip(_text(rows["epa_code"]), _text(rows["title"]), rows["observations"],
                                               rows["expired"], rows["assessors"], rows["achieved"],
                                               rows["required_observations"], rows["target_entrustment"])]
    return _figure([
        dict(type="bar", y=y, x=[100] * len(rows), orientation="h", marker_color="#eeeeee", hoverinfo="skip",
             showlegend=False),
        dict(type="bar", y=y, x=share, orientation="h", marker=dict(color=colours, line=dict(color="#555", width=0.5)),
             text=text, textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text",
             showlegend=False),
    ], height=80 + row_height * len(rows), barmode="overlay", bargap=0.25,
        xaxis=dict(range=[0, 135], title=dict(text="Share of the assessment plan achieved (%)"),
                   tickvals=[0, 25, 50, 75, 100]),
        yaxis=dict(tickfont=dict(size=12)))


def _since_review(since: dt.date | None, as_of: dt.date | None) -> tuple[list[dict], list[dict]]:
    """The period since the resident's last committee review, shaded and labelled (shapes, annotations),
    for presenting at a meeting; nothing when since is None."""
    if since is None:
        return [], []
    return ([_vrect(pd.Timestamp(since), pd.Timestamp(as_of), OKABE_ITO["sky blue"], opacity=0.18)],
            [_note(pd.Timestamp(since), "since last review", xanchor="left", yanchor="top", font=dict(size=11))])


def entrustment_over_time(observations: pd.DataFrame, stages: pd.DataFrame, decisions: pd.DataFrame,
                          epa_codes: list[str], as_of: dt.date, since: dt.date | None = None) -> go.Figure:
    """Entrustment ratings of the chosen EPAs over time: points per observation and the mean of the
    last five as a line, with stage periods shaded, committee decisions marked along the top and,
    given since, the period since the last review.

    observations, stages and decisions have the columns of resident_entrustment.sql,
    resident_stage_history.sql and resident_decisions.sql (every version; the one in force is marked).
    """
    traces = []
    chosen = observations[observations["epa_code"].isin(epa_codes)]
    scatter = _scatter(len(chosen))
    for i, code in enumerate(epa_codes):
        rows = chosen[chosen["epa_code"] == code]
        if rows.empty:
            continue
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        label = html.escape(code)
        # Spread equal ratings of one EPA a little apart so stacked points stay visible.
        offset = (i - (len(epa_codes) - 1) / 2) * 0.06
        traces.append(dict(
            type=scatter, x=rows["assessment_date"], y=rows["entrustment"] + offset, mode="markers", name=label,
            legendgroup=code,
            marker=dict(color=colour, symbol=MARKERS[i % len(MARKERS)], size=8, opacity=0.75,
                        line=dict(color="white", width=0.5)),
            customdata=list(zip(rows["entrustment"], _text(rows["assessor_name"]),
                                rows["directly_observed"].map({True: "directly observed",
                                                               False: "not directly observed"}))),
            hovertemplate=f"<b>{label}</b> %{{x|%Y-%m-%d}}<br>entrustment %{{customdata[0]}}"
                          "<br>%{customdata[1]}, %{customdata[2]}<extra></extra>"))
        traces.append(dict(
            type=scatter, x=rows["assessment_date"], y=rows["recent_mean"], mode="lines", name=f"{label} trend",
            legendgroup=code, showlegend=False, line=dict(color=colour, width=2.5),
            hovertemplate=f"<b>{label}</b> mean of last 5: %{{y:.1f}}<extra></extra>"))

    starts = list(stages["start_date"]) + [pd.Timestamp(as_of)]
    stage_periods = list(zip(stages["start_date"], stages["stage"]))
    shapes = [_vrect(start, starts[k + 1], "#f2f2f2" if k % 2 else "#ffffff") for k, (start, _) in
              enumerate(stage_periods)]
    shapes += [_vline(start, color="#666", width=1, dash="dash") for start, _ in stage_periods]
    shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=4, y1=4,
                       line=dict(color=OKABE_ITO["green"], width=1.5, dash="dot")))
    # (every other stage's label a little higher: stages a few weeks apart would write over each other)
    notes = [_note(start, f"{stage} starts", y=0.55 + 0.3 * (k % 2), yref="y", xanchor="left", yanchor="bottom",
                   font=dict(size=11, color="#333")) for k, (start, stage) in enumerate(stage_periods)]
    decisions = decisions[decisions["in_force"]]  # an amended decision is marked once, as it stands
    if not decisions.empty:
        traces.append(dict(
            type="scatter", x=decisions["meeting_date"], y=[5.55] * len(decisions), mode="markers",
            name="Committee decision",
            marker=dict(symbol="diamond", size=12, color=[DECISION_COLOURS.get(s, "#000")
                                                          for s in decisions["status"]],
                        line=dict(color="black", width=1)),
            customdata=list(zip(decisions["status"], _text(decisions["actions"]))),
            hovertemplate="<b>Committee %{x|%Y-%m-%d}</b><br>%{customdata[0]}<br>%{customdata[1]}"
                          "<extra></extra>"))
    review_shapes, review_notes = _since_review(since, as_of)
    return _figure(traces, height=460, shapes=shapes + review_shapes, annotations=notes + review_notes,
                   yaxis=dict(range=[0.5, 5.8], tickvals=list(ENTRUSTMENT),
                              ticktext=[f"{k} · {v}" for k, v in ENTRUSTMENT.items()]))


def feedback_mix(monthly: pd.DataFrame, since: dt.date | None = None, as_of: dt.date | None = None) -> go.Figure:
    """Completed feedback items per month, stacked by opportunity, with the shares directly observed
    and with narrative as lines on a second axis, and, given since, the period since the last review.
    Given as_of inside the last month, that month's bars are paler and labelled: they hold part of a
    month, not a drop. monthly has the columns of resident_feedback_monthly.sql."""
    partial = _month_so_far(monthly, as_of)
    traces = []
    for opportunity, label in OPPORTUNITIES.items():
        rows = monthly[monthly["opportunity"] == opportunity]
        if rows.empty:
            continue
        traces.append(dict(type="bar", x=rows["month"], y=rows["items"], name=label,
                           marker=dict(color=OPPORTUNITY_COLOURS[opportunity],
                                       opacity=[0.4 if m == partial else 1.0 for m in rows["month"]],
                                       pattern=dict(shape=OPPORTUNITY_PATTERNS[opportunity], fgcolor="white",
                                                    fillmode="overlay", size=6)),
                           hovertemplate=f"{label}: %{{y}}<extra>%{{x|%b %Y}}</extra>"))
    months = monthly.drop_duplicates("month")
    for column, label, dash in (("month_directly_observed", "Directly observed (%)", "solid"),
                                ("month_with_narrative", "With narrative (%)", "dot")):
        share = (months[column] / months["month_items"] * 100).round(0)
        # The month not yet over is a point apart: its share rests on a few days.
        for part, line in ((months["month"] != partial, True), (months["month"] == partial, False)):
            if part.any():
                traces.append(dict(
                    type="scatter", x=months["month"][part], y=share[part], name=label, legendgroup=label,
                    showlegend=line, yaxis="y2", mode="lines+markers" if line else "markers",
                    line=dict(color="black", dash=dash, width=2),
                    marker=dict(symbol="circle" if dash == "solid" else "square-open", size=6, color="black"),
                    hovertemplate=f"{label}: %{{y}}<extra>%{{x|%b %Y}}</extra>"))
    shapes, notes = _since_review(since, as_of)
    if partial is not None:
        notes.append(_note(partial, f"month so far (to {as_of.day} {as_of:%b})", xanchor="right", yanchor="bottom",
                           font=dict(size=11)))
    return _figure(traces, height=380, barmode="stack", shapes=shapes, annotations=notes,
                   yaxis=dict(title=dict(text="Items completed")),
                   yaxis2=dict(AXIS, title=dict(text="Share of items (%)"), overlaying="y", side="right",
                               range=[0, 105], tickmode="array", tickvals=[0, 25, 50, 75, 100], showgrid=False))


def _month_so_far(monthly: pd.DataFrame, as_of: dt.date | None) -> pd.Timestamp | None:
    """The chart's last month when the as-of date falls before that month's last day."""
    if as_of is None or monthly.empty:
        return None
    start = pd.Timestamp(as_of.replace(day=1))
    month_over = as_of == (start + pd.offsets.MonthEnd(0)).date()
    return start if monthly["month"].max() == start and not month_over else None


def coaching_timeline(sessions: pd.DataFrame, as_of: dt.date, next_due: dt.date | None) -> go.Figure:
    """Coaching sessions on a timeline, one row per status, with the overdue period shaded.
    sessions has the columns of resident_coaching_sessions.sql."""
    traces = []
    for status in SESSION_STATUSES:
        rows = sessions[sessions["status"] == status]
        colour, symbol = SESSION_STYLES[status]
        traces.append(dict(
            type="scatter", x=rows["scheduled_date"], y=[status.capitalize()] * len(rows), mode="markers",
            name=status.capitalize(), marker=dict(color=colour, symbol=symbol, size=11,
                                                  line=dict(color=colour, width=2)),
            customdata=list(zip(_text(rows["coach_name"]), rows["duration_minutes"].astype("object").fillna("-"))),
            hovertemplate="%{x|%Y-%m-%d}<br>%{customdata[0]}<br>%{customdata[1]} min<extra></extra>"))
    shapes = [_vline(pd.Timestamp(as_of), color="#333", width=1)]
    notes = [_note(pd.Timestamp(as_of), "as of", xanchor="right", font=dict(size=11))]
    if next_due is not None and next_due < as_of:
        shapes.append(_vrect(pd.Timestamp(next_due), pd.Timestamp(as_of), OKABE_ITO["vermillion"], opacity=0.15))
        notes.append(_note(pd.Timestamp(next_due), "overdue", y=0, xanchor="left", yanchor="bottom"))
    return _figure(traces, height=260, showlegend=False, shapes=shapes, annotations=notes, yaxis=dict(
        categoryorder="array", categoryarray=[s.capitalize() for s in SESSION_STATUSES[::-1]]))


def program_sessions(sessions: pd.DataFrame, as_of: dt.date) -> go.Figure:
    """Every coaching session of the program over a year, one row per coach, marker by status.
    sessions has the columns of program_coaching_sessions.sql."""
    traces = []
    for status in SESSION_STATUSES:
        rows = sessions[sessions["status"] == status]
        colour, symbol = SESSION_STYLES[status]
        traces.append(dict(
            type="scatter", x=rows["scheduled_date"], y=_text(rows["coach_name"]), mode="markers",
            name=status.capitalize(),
            marker=dict(color=colour, symbol=symbol, size=9, line=dict(color=colour, width=1.5)),
            customdata=_text(rows["resident_name"]),
            hovertemplate="%{y} with %{customdata}<br>%{x|%Y-%m-%d}<extra>" + status + "</extra>"))
    return _figure(traces, height=120 + 26 * sessions["coach_name"].nunique(),
                   shapes=[_vline(pd.Timestamp(as_of), color="#333", width=1)],
                   yaxis=dict(categoryorder="category descending"))


def coach_workload(workload: pd.DataFrame, ceiling: int) -> go.Figure:
    """Coachees per coach against the ceiling; bars over it stand out in colour and in their label.
    workload has the columns of coach_workload.sql."""
    rows = workload.iloc[::-1]
    over = rows["over_ceiling"]
    return _figure(dict(
        type="bar", y=_text(rows["coach_name"]), x=rows["coachees"], orientation="h",
        marker=dict(color=[OKABE_ITO["vermillion"] if o else OKABE_ITO["blue"] for o in over]),
        text=[f"{n} coachees{' (over the ceiling)' if o else ''}" for n, o in zip(rows["coachees"], over)],
        textposition="outside", cliponaxis=False, hoverinfo="skip"),
        height=100 + 26 * len(rows), showlegend=False, shapes=[_vline(ceiling, color="black", dash="dash")],
        annotations=[_note(ceiling, f"ceiling {ceiling}", yanchor="bottom")],
        xaxis=dict(title=dict(text="Current coachees"),
                   range=[0, max(ceiling, int(rows["coachees"].max() or 0)) + 3]))


def calibration(assessors: pd.DataFrame, threshold: float) -> go.Figure:
    """Each assessor's leniency (z-score of their mean rating) with the calibration thresholds; those
    beyond are drawn larger, in colour and as diamonds. assessors has the columns of
    assessor_calibration.sql."""
    rows = assessors.sort_values("z_score")
    beyond = rows["z_score"].abs() >= threshold
    sides = ((-threshold, "more stringent"), (threshold, "more lenient"))
    return _figure(dict(
        type="scatter", x=rows["z_score"], y=_text(rows["assessor_name"]), mode="markers",
        marker=dict(size=[12 if b else 7 for b in beyond], symbol=["diamond" if b else "circle" for b in beyond],
                    color=[OKABE_ITO["vermillion"] if b else "#777" for b in beyond]),
        customdata=list(zip(rows["mean_rating"], rows["ratings"], rows["words_per_comment"].fillna(0))),
        hovertemplate="%{y}: z %{x:.2f}<br>mean %{customdata[0]:.2f} over %{customdata[1]} ratings"
                      "<br>%{customdata[2]:.0f} words a comment<extra></extra>"),
        height=120 + 16 * len(rows), showlegend=False,
        shapes=[_vline(side, color="black", dash="dash") for side, _ in sides],
        annotations=[_note(side, label, yanchor="bottom") for side, label in sides],
        xaxis=dict(title=dict(text="Leniency (z-score of the assessor's mean rating against the program)"),
                   zeroline=True),
        yaxis=dict(tickfont=dict(size=10)))


def competency_board(board: pd.DataFrame, measure: str) -> go.Figure:
    """Residents by EPA: each cell the current level (1-5) or the growth (entrustment points a month),
    written in the cell as well as coloured. board has the columns of competency_board.sql, in the
    order the rows should appear (top to bottom)."""
    people = board.drop_duplicates("resident_id")
    labels = people["name"] + " · " + people["stage"].fillna("-")
    # Two residents of one name and stage keep a row each: the axis would draw one row for both.
    labels = labels.where(~labels.duplicated(keep=False), people["name"] + " (" + people["resident_id"] + ") · "
                          + people["stage"].fillna("-"))
    epas = list(dict.fromkeys(board["epa_code"]))
    grid = np.full((len(people), len(epas)), np.nan)
    grid[pd.Categorical(board["resident_id"], people["resident_id"]).codes,
         pd.Categorical(board["epa_code"], epas).codes] = board[measure].to_numpy(float, na_value=np.nan)
    if measure == "level":
        scale, zmin, zmax, fmt = "Cividis", 1, 5, ".1f"
    else:
        scale, zmin, zmax, fmt = "PuOr", -0.5, 0.5, "+.2f"
    return _figure(dict(
        type="heatmap", z=grid, x=_text(pd.Series(epas)), y=_text(labels),
        colorscale=get_colorscale(scale), zmin=zmin, zmax=zmax, texttemplate="%{z:" + fmt + "}",
        textfont=dict(size=9), xgap=1, ygap=1,
        colorbar=dict(title=dict(text="Level" if measure == "level" else "Growth / month")),
        hovertemplate="%{y}<br>%{x}: %{z:" + fmt + "}<extra></extra>"),
        height=120 + 18 * len(people), yaxis=dict(autorange="reversed", tickfont=dict(size=10)),
        xaxis=dict(side="top", tickfont=dict(size=10)))
