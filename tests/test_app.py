"""The app run from its entry point with AppTest, for each demo user, on the demo program."""

import html
import re

import pytest
from streamlit.testing.v1 import AppTest

from cbme.app import reads
from cbme.store import db
from cbme.vocabulary import OVERSIGHT_TABS
from tests.conftest import DEMO_END

DEMO_USERS = ["Program lead", "Committee chair", "Committee member", "Coach"]
# Each tab of the resident page, with text only that tab shows (a pattern) and its number of charts.
SECTIONS = {"EPAs and entrustment": ("Entrustment over time", 2),
            "Feedback opportunities": ("Assessments completed", 1),
            "Narrative feedback": ("comments, newest first", 0),
            "Coaching": (r"\*\*Coaching (overdue|due soon|on track|no coach)\.\*\*", 1),
            "Decision history": ("Recorded by|recorded up to this date", 0)}


@pytest.fixture(scope="module")
def facts(demo_database):
    """Who is who in the demo program, read independently of the app."""
    con = db.connect(demo_database)  # same configuration as the app's connection in this process
    try:
        coach = con.execute(
            "select min(person_id) from roles as g where role = 'coach' and not exists "
            "(select 1 from roles as o where o.person_id = g.person_id and o.role <> 'coach')").fetchone()[0]
        coachees = [r[0] for r in con.execute(
            "select resident_id from coach_assignments where coach_id = $c", {"c": coach}).fetchall()]
        names = dict(con.execute("select resident_id, name from residents").fetchall())
        struggling = con.execute("""
            select resident_id from committee_decisions where status = 'Not progressing as expected'
            order by meeting_date desc, resident_id limit 1""").fetchone()[0]
    finally:
        con.close()
    other = next(r for r in sorted(names) if r not in coachees)
    return dict(coach=coach, coachees=coachees, names=names, struggling=struggling, other=other)


@pytest.fixture(scope="module")
def demo_users(demo_database) -> dict[str, str]:
    """Each kind of demo user (Program lead, Committee chair...) with the person it signs in as."""
    con = db.connect(demo_database, read_only=True)
    try:
        return dict(db.query(con, "demo_users")[["kind", "person_id"]].itertuples(index=False))
    finally:
        con.close()


@pytest.fixture
def app(demo_database, demo_users, monkeypatch):
    monkeypatch.setenv("CBME_DATABASE", str(demo_database))

    def start(user: str = "Program lead", page: str = "views/resident.py", **query_params) -> AppTest:
        """The app as the demo user of that kind (named in the address, as a link would), on page."""
        at = AppTest.from_file("../dashboard.py", default_timeout=60)
        at.query_params.update({"as_of": DEMO_END.isoformat(), "demo_user": demo_users[user], **query_params})
        at.run()
        assert at.selectbox(key="frame_demo_user").value == demo_users[user]
        if page:
            at.switch_page(page).run()
        return at

    return start


def header(at: AppTest) -> list[str]:
    """The values of the resident header card, in order."""
    return [html.unescape(v) for v in re.findall(r'<div class="value">(.*?)</div>', at.get("html")[0].proto.body)]


def page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("subheader", "markdown", "text", "caption", "warning", "info",
                                  "success", "error") for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric] + [h.proto.body for h in at.get("html")]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("user", DEMO_USERS)
def test_each_demo_user_sees_the_whole_resident_page(app, user, facts):
    at = app(user)
    assert not at.exception
    assert not at.error
    assert [t.label for t in at.tabs] == list(SECTIONS)
    assert [s.value for s in at.subheader] == ["EPAs achieved against the assessment plan", "Entrustment over time"]
    assert len(at.get("plotly_chart")) == 2  # only the open tab runs
    resident = at.selectbox(key="resident").value
    for section, (marker, charts) in SECTIONS.items():
        tab = app(user, section=section, resident=resident)
        assert not tab.exception and not tab.error
        assert re.search(marker, page_text(tab)), section
        assert len(tab.get("plotly_chart")) == charts, section
        closed = [m for s, (m, _) in SECTIONS.items() if s != section]
        assert not [m for m in closed if re.search(m, page_text(tab))], section  # the closed tabs did not run
    assert header(at)[1] in ("Transition to Discipline", "Foundations of Discipline", "Core of Discipline",
                             "Transition to Practice")
    assert "Last committee decision" in at.get("html")[0].proto.body
    picker = at.selectbox(key="resident")
    assert header(at)[0] == picker.options[picker.index].split(" · ")[0]


def test_deep_link_opens_the_named_resident(app, facts):
    at = app("Program lead", resident=facts["struggling"])
    assert at.selectbox(key="resident").value == facts["struggling"]
    assert header(at)[0] == facts["names"][facts["struggling"]]
    assert not at.warning or "not available" not in at.warning[0].value


def test_coach_sees_only_coachees_in_the_picker(app, facts):
    at = app("Coach")
    offered = [label.split(" · ")[0] for label in at.selectbox(key="resident").options]
    assert sorted(offered) == sorted(facts["names"][r] for r in facts["coachees"])


def test_coach_cannot_reach_another_resident_by_deep_link(app, facts, demo_database):
    def refusals():
        con = db.connect(demo_database)
        try:
            return con.execute("select count(*) from audit_log where actor_id = $c and action = 'refuse link' "
                               "and detail like '%' || $r || '%'", {"c": facts["coach"], "r": facts["other"]}
                               ).fetchone()[0]
        finally:
            con.close()

    before = refusals()
    at = app("Coach", page=None, resident=facts["other"])  # a coach's first page is the resident page
    assert any("not available to you" in w.value for w in at.warning)
    assert at.selectbox(key="resident").value is None  # nothing opened that the coach did not ask for
    assert refusals() == before + 1  # the refusal, with what was asked for, is in the audit trail
    for section in SECTIONS:
        assert facts["names"][facts["other"]] not in page_text(app("Coach", page=None, resident=facts["other"],
                                                                    section=section))


def test_narrative_search_filters_comments(app):
    at = app("Program lead", section="Narrative feedback")
    before = next(c.value for c in at.caption if "comments, newest first" in c.value)
    resident = at.selectbox(key="resident").value
    at.text_input(key=f"resident_search_{resident}").input("no such words anywhere").run()
    after = next(c.value for c in at.caption if "comments, newest first" in c.value)
    assert before != after and after.startswith("0 comments")
    assert not at.exception


def test_choosing_epas_redraws_the_entrustment_chart(app):
    at = app("Program lead")
    at.multiselect(key=f"resident_epas_{at.selectbox(key='resident').value}").set_value([]).run()
    assert any("Choose one or more EPAs" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1


def test_an_earlier_as_of_date_hides_later_data(app, facts):
    at = app("Program lead", resident=facts["struggling"], as_of="2024-01-10")
    assert not at.exception
    history = at.dataframe[-1].value if at.dataframe else None
    if history is not None and "meeting_date" in history:
        assert (history["meeting_date"] <= "2024-01-10").all()
    # Residents who started after the date are not offered.
    offered = {label.split(" · ")[0] for label in at.selectbox(key="resident").options}
    assert facts["names"]["EM-R0001"] not in offered and len(offered) < 48


def test_evidence_and_plan_tables_are_built_only_when_opened(app, facts):
    at = app("Program lead", resident=facts["struggling"])
    assert {"Evidence per EPA of the current stage", "Assessment plan details"} <= {e.label for e in at.expander}
    assert not at.dataframe  # closed: neither table is built nor sent
    at.session_state["status_evidence"] = True
    at.session_state["resident_plan_details"] = True
    at.run()
    evidence, plan = (d.value for d in at.dataframe)
    assert list(evidence.columns) == ["EPA", "Decision-ready", "Light", "Current level", "Expected", "Why"]
    stage = plan.loc[plan["epa_code"] == evidence["EPA"].iloc[0], "stage"].iloc[0]
    assert sorted(evidence["EPA"]) == sorted(plan.loc[plan["stage"] == stage, "epa_code"])
    assert not at.exception


# Every page, with a demo user allowed to open it; the resident page once per tab.
EVERY_PAGE = [("Program lead", "views/meeting.py", {}),
              ("Coach", "views/coaching.py", {}), ("Administrator", "views/access.py", {}),
              ("Administrator", "views/imports.py", {}), ("Administrator", "views/audit.py", {})] + [
              ("Committee member", "views/resident.py", {"section": s, "meeting": DEMO_END.isoformat()})
              for s in SECTIONS] + [
              ("Program lead", "views/oversight.py", {"oversight_section": s}) for s in OVERSIGHT_TABS]


def test_every_page_draws_again_from_a_new_data_version(app):
    """After a write (a new data version) nothing cached is reused: each page reads afresh, and draws."""
    for user, page, params in EVERY_PAGE:
        at = app(user, page=page, **params)
        with db.writing(reads.connection()):
            pass
        at.run()
        assert not at.exception and not at.error, page
