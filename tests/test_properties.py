"""Properties that hold for any input, checked on generated data (hypothesis): the rules never fail on
missing or odd values and always say why in words; the packet shows any text as text; the agenda and
the packet build for residents without a stage, a coach, ratings or decisions."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbme.app import packet
from cbme.app.markup import WORD_JOINER, escape_markdown
from cbme.config import ProgramConfig
from cbme.rules import meeting
from cbme.rules.coaching import coaching_status
from cbme.rules.status import AMBER, GREEN, NO_EVIDENCE, RED, resident_status
from cbme.store import db
from cbme.store.load import load_canonical
from cbme.vocabulary import STAGES
from tests.conftest import AS_OF, FIXTURES

CONFIG = ProgramConfig()
COUNT = st.integers(min_value=0, max_value=40)
MAYBE_LEVEL = st.one_of(st.none(), st.just(float("nan")), st.floats(min_value=0, max_value=6, allow_nan=False))
WORDS = re.compile(r"\b(nan|None|NaT|null)\b")

# Any EPA code but one that is itself a word WORDS looks for (an EPA named "null" is shown as named).
EPA_CODES = st.text(min_size=1, max_size=12).filter(lambda code: not WORDS.search(code))
evidence_rows = st.lists(st.fixed_dictionaries({
    "epa_code": EPA_CODES, "target_entrustment": st.integers(1, 5),
    "required_observations": st.integers(1, 12), "achieved": COUNT, "observations": COUNT, "assessors": COUNT,
    "assessor_roles": COUNT, "recent_observations": COUNT, "contexts": COUNT, "narratives": COUNT,
    "actionable": COUNT, "current_level": MAYBE_LEVEL, "assessor_spread": MAYBE_LEVEL,
    "stage_trend_per_month": st.one_of(st.none(), st.floats(-3, 3, allow_nan=False)),
    "stage_trend_ratings": COUNT}), max_size=8)


@given(evidence=evidence_rows, stage=st.one_of(st.none(), st.sampled_from(list(STAGES))),
       months=st.floats(min_value=0, max_value=80, allow_nan=False), flags=st.integers(0, 5))
def test_a_status_is_always_one_of_four_lights_with_reasons_in_words(evidence, stage, months, flags):
    status = resident_status(evidence, stage, months, flags, "2026-06-15", CONFIG)
    assert status.light in (GREEN, AMBER, RED, NO_EVIDENCE)
    assert status.reasons and all(r.text and r.short for r in status.reasons)
    assert not [r.text for r in status.reasons if WORDS.search(r.text)]
    if flags:
        assert status.light == RED
    if status.light == GREEN:  # green means what it says
        assert not flags and status.epas and all(v.decision_ready for v in status.epas)
        assert all(v.current_level is None or v.expected_level - v.current_level < CONFIG.amber_gap
                   for v in status.epas)


pair_rows = st.one_of(st.none(), st.fixed_dictionaries({
    "last_held": st.one_of(st.none(), st.just(pd.NaT), st.dates(dt.date(2020, 1, 1), dt.date(2026, 6, 29))),
    "next_due": st.dates(dt.date(2020, 1, 1), dt.date(2027, 1, 1)),
    "next_planned": st.one_of(st.none(), st.just(pd.NaT), st.dates(dt.date(2026, 7, 1), dt.date(2027, 1, 1))),
    "days_overdue": st.integers(0, 500), "pairing_start": st.dates(dt.date(2020, 1, 1), dt.date(2026, 6, 1)),
    "missed_since_last_held": st.integers(0, 6)}))


@given(pair=pair_rows)
def test_coaching_is_always_said_in_words(pair):
    status = coaching_status(pair, AS_OF, 60)
    assert status.verdict in ("overdue", "due soon", "on track", "no coach")
    assert status.reasons and not [r for r in status.reasons if WORDS.search(r)]


@given(text=st.text(max_size=80))
def test_escaped_markdown_keeps_every_character_and_forms_no_link(text):
    escaped = escape_markdown(text)
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == text
    assert not re.search(r"https?://|www\\?\.[\w]", escaped.replace("\\", ""), re.I)


class _Text(HTMLParser):
    """What an HTML document shows as text, and the tags it opens."""

    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "section", "h1", "h2", "h3", "p", "b", "span",
                 "div", "ul", "li", "pre", "table", "tr", "th", "td", "figure", "figcaption", "script"}


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=1, max_size=40), note=st.text(max_size=120), reason=st.text(max_size=60))
def test_the_packet_shows_any_text_as_text(name, note, reason):
    sheet = packet.ResidentSheet(
        name=name, resident_id="R1", facts=[("Stage", reason)], light=AMBER, reasons=[reason], flags=[note],
        since=note, reviewers=[("primary", name, note)], minutes=[note, reason], decision=reason or "x",
        coaching=[note], learning_plan=[("Strengths", note)], narratives=[note])
    document = packet.render_html(name, [sheet])
    parsed = _Text()
    parsed.feed(document.split("<script>")[0])  # (the drawing script is the template's own)
    assert set(parsed.tags) <= TEMPLATE_TAGS
    shown = "".join(parsed.text)
    for value in (name, note, reason):
        assert html.unescape(html.escape(value)) in shown or not value.strip()


@pytest.fixture(scope="module")
def sparse():
    """The tiny program with a resident who has no stage, no coach, no rating and no decision."""
    con = db.connect(":memory:")
    load_canonical(con, FIXTURES / "tiny")
    con.execute("delete from resident_stages where resident_id = 'R2'")
    con.execute("delete from coach_assignments where resident_id = 'R2'")
    con.execute("delete from assessments where resident_id = 'R2'")
    yield con
    con.close()


@pytest.mark.parametrize("order", list(meeting.ORDERS))
def test_the_agenda_builds_for_a_resident_with_nothing_recorded(sparse, order):
    agenda, statuses = meeting.load_agenda(lambda name, **p: db.query(sparse, name, **p), "L1", "P1", AS_OF, CONFIG)
    blake = meeting.order_agenda(agenda, order).set_index("resident_id").loc["R2"]
    assert blake["coaching"] == "no coach" and statuses["R2"].light == NO_EVIDENCE
    assert blake["headline"] == "no stage recorded"
    assert not [c for c in ("headline", "due", "since_last_review", "coaching") if WORDS.search(str(blake[c]))]


def test_the_packet_pages_and_charts_build_for_a_resident_with_nothing_recorded(sparse):
    fetch = lambda name, **p: db.query(sparse, name, **p)  # noqa: E731
    agenda, statuses = meeting.load_agenda(fetch, "L1", "P1", AS_OF, CONFIG)
    sheets = list(packet.gather(fetch, "L1", "P1", AS_OF, CONFIG, agenda, statuses))
    blake = next(s for s in sheets if s.resident_id == "R2")
    assert blake.facts[0] == ("Stage", "no stage recorded") and blake.decision is None
    assert "none assigned" in blake.facts[2][1]
    figures = packet.figures(fetch, "L1", "R2", AS_OF, None, statuses["R2"], None)
    assert set(figures) == {"progress", "mix"}  # no rating: no entrustment chart, and the page says so
    page = packet.render_html("t", [blake])
    shown = re.sub(r"<[^>]+>", " ", page.split("</style>")[1].split("<script>")[0])
    assert "No rated observation yet." in shown and "The resident has no coach." in shown
    assert not WORDS.search(shown)
