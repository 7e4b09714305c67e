"""The coach page and the program oversight page through the app (AppTest), by role."""

import pytest

from cbme import imports


@pytest.fixture
def app(signed_in):
    return signed_in


def test_coach_sees_their_coachees_and_logs_a_session(app):
    at = app("chen@example.org", "views/coaching.py")
    assert at.title[0].value == "My coachees"
    glance = at.dataframe[0].value.set_index("resident_name")
    assert list(glance.index) == ["Avery Stone", "Blake Rivers"]
    assert glance.at["Avery Stone", "overdue"] == "80 days overdue"
    assert at.warning[0].value.startswith("**Coaching overdue.**")
    assert at.selectbox(key="coaching_coachee").value == "R1"
    assert at.selectbox(key="coaching_status_R1").value is None  # what happened is never assumed
    at.selectbox(key="coaching_status_R1").set_value("held")
    at.text_area(key="coaching_improvement_R1").input("Lead with the sickest patient at handover.")
    next(b for b in at.button if b.label == "Log the session with Avery Stone").click().run()
    assert [s.value for s in at.success][-1] == "Session of 2026-06-30 logged (held)."
    assert at.dataframe[0].value.set_index("resident_name").at["Avery Stone", "overdue"] == "no"
    at.selectbox(key="coaching_coachee").set_value("R2").run()
    assert at.text_area(key="coaching_improvement_R2").value == ""  # nothing typed for Avery shows for Blake


def test_a_coach_sees_the_committees_outcome_and_what_is_due(app):
    at = app("chen@example.org", "views/coaching.py")
    glance = at.dataframe[0].value.set_index("resident_name")
    assert glance.at["Avery Stone", "decision"] == "Not progressing as expected"
    assert glance.at["Avery Stone", "actions"] == "monitor, modify learning plan"
    outcome = next(t.value for t in at.text if t.value.startswith("Last committee decision"))
    assert outcome.splitlines() == [
        "Last committee decision (2025-12-15): Not progressing as expected; actions: monitor, modify learning plan; "
        "follow-up by 2026-03-15.",
        "The committee's next meeting is not scheduled yet.",
        "Due before the next meeting: the committee's follow-up date, 2026-03-15 (passed); a revised learning plan, "
        "which the committee asked for; a coaching session by 2026-04-11 (80 days overdue)."]


def test_a_coach_cannot_open_another_coachee(app):
    at = app("ortiz@example.org", "views/coaching.py", coachee="R1")
    assert "You have no coachees" in at.info[0].value  # C2's pairing ended
    chen = app("chen@example.org", "views/coaching.py", coachee="R3")
    assert any("not your coachee" in w.value for w in chen.warning)
    assert chen.selectbox(key="coaching_coachee").value is None  # nothing opened that was not asked for
    assert not chen.text_area  # no coachee's session form either


def test_program_lead_oversight(app):
    at = app("hale@example.org", "views/oversight.py")
    assert at.title[0].value == "Program oversight"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Coaching pairs": "2", "Overdue": "2", "Coaches with overdue coachees": "1",
                       "Residents without a coach": "0"}
    assert any(t.value == "Coaches with overdue coachees: Dr. Riley Chen (2)" for t in at.text)
    assert len(at.get("plotly_chart")) == 2  # workload and sessions: only the open tab is built


@pytest.mark.parametrize(("tab", "charts", "shown"), [
    ("Coaching and assessing roles", 0, "pair(s) where roles collide"),
    ("Feedback mix", 1, "By form type (all settings) and by setting"),
    ("Assessors and continuity", 1, "Assessors with at least"),
    ("Competency board", 1, "Residents by stage (most senior first)")])
def test_each_oversight_tab_opens_from_its_link_and_only_it_is_built(app, tab, charts, shown):
    at = app("hale@example.org", "views/oversight.py", oversight_section=tab)
    assert not at.exception
    assert len(at.get("plotly_chart")) == charts and not at.metric  # the Coaching tab's metrics are gone
    assert any(shown in e.value for e in (*at.markdown, *at.caption))


@pytest.mark.parametrize(("email", "page"), [("chen@example.org", "views/oversight.py"),
                                             ("hale@example.org", "views/coaching.py"),
                                             ("admin@example.org", "views/oversight.py")])
def test_pages_outside_a_role_are_not_offered(app, email, page):
    at = app(email)
    with pytest.raises(ValueError):
        at.switch_page(page)


def test_import_page_for_an_administrator(app):
    at = app("admin@example.org", "views/imports.py")
    assert at.title[0].value == "Imports"
    assert any(s.value == "Import history" for s in at.subheader)
    assert "No imports yet." in [c.value for c in at.caption]


def test_a_csv_template_per_table_is_made_only_when_asked_for(app):
    at = app("admin@example.org", "views/imports.py")
    assert [b.proto.label for b in at.get("download_button")] == [
        "Workbook template (XLSX)", "Assessments template (CSV)", "Data dictionary (Markdown)"]
    at.session_state["imports_templates"] = True
    at.run()
    assert [b.proto.label for b in at.get("download_button")][3:] == [f"{table}.csv" for table in imports.tables()]
