"""The words users read for the codes stored in the database, and the colours that go with them: the
one place stages, opportunity types, roles, statuses, committee actions and audit actions are spelled.
The schema's checks (cbme/store/schema.sql) allow the same codes; tests/test_vocabulary.py holds them
together.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common forms of
colour blindness; every colour is paired with text or a marker shape so colour is never the only cue.
"""

STAGES = {
    "TTD": "Transition to Discipline",
    "FOD": "Foundations of Discipline",
    "COD": "Core of Discipline",
    "TTP": "Transition to Practice",
}

OPPORTUNITIES = {
    "epa_observation": "EPA observation",
    "field_note": "Field note",
    "mini_cex": "Mini-CEX",
    "iter": "ITER",
    "multisource": "Multisource feedback",
    "coaching": "Coaching session",
}
FORM_TYPES = [code for code in OPPORTUNITIES if code != "coaching"]  # the opportunities that are assessments

ENTRUSTMENT = {
    1: "I had to do",
    2: "I had to talk them through",
    3: "I needed to prompt",
    4: "I needed to be there just in case",
    5: "I didn't need to be there",
}

COACHING_MODELS = {
    "supervises": "also supervises and assesses the coachee",
    "committee": "sits on the competence committee",
    "no assessor role": "holds no assessor role",
}

# The tabs of the resident page and of Program oversight, in order: each page's sections, named in its
# address (section=, oversight_section=) and measured one by one by the page benchmark.
RESIDENT_TABS = ["EPAs and entrustment", "Feedback opportunities", "Narrative feedback", "Coaching", "Decision history"]
OVERSIGHT_TABS = ["Coaching", "Coaching and assessing roles", "Feedback mix", "Assessors and continuity",
                  "Competency board"]

ROLES = {
    "admin": "Administrator",
    "program_lead": "Program lead",
    "committee_chair": "Committee chair",
    "committee_member": "Committee member",
    "coach": "Coach",
}
COMMITTEE_ROLES = ["committee_chair", "committee_member"]  # who decide on residents
MEETING_ROLES = ["program_lead", *COMMITTEE_ROLES]  # who see every resident and take part in meetings
ORGANISER_ROLES = ["committee_chair", "program_lead"]  # who schedule meetings and assign reviewers
REVIEWER_ROLES = ["primary", "secondary"]

DECISION_STATUSES = ["Progressing as expected", "Not progressing as expected", "Progress is accelerated",
                     "Failure to progress", "Inactive"]
DECISION_ACTIONS = ["monitor", "modify learning plan", "promote to next stage", "formal remediation"]
FOLLOW_UP_OUTCOMES = ["done", "not done", "carried over"]  # what became of a previous decision's action

SESSION_STATUSES = ["held", "cancelled by resident", "cancelled by coach", "no-show", "upcoming"]
SESSION_OUTCOMES = SESSION_STATUSES[:-1]  # what a logged session can have been: all but upcoming
# A held session's learning plan: column -> heading.
LEARNING_PLAN = {"plan_strengths": "Strengths", "plan_improvement": "Areas for improvement",
                 "plan_exposure": "Areas needing exposure"}

# Every action the audit trail records, with what it means; the audit page's filter offers these.
AUDIT_ACTIONS = {
    "sign in": "signed in",
    "refuse sign in": "a sign-in refused (unknown account, no role, or not through the configured proxy)",
    "refuse page": "a page the person's roles do not open, asked for by its address",
    "refuse link": "a link naming a resident, coachee, program or agenda outside the person's scope",
    "open resident": "a resident's progression page shown",
    "open coachee": "a coachee's session preparation shown",
    "open agenda": "a meeting agenda shown, one event per resident on it",
    "open oversight": "a tab of program oversight shown",
    "record decision": "a committee decision recorded",
    "amend decision": "a committee decision amended",
    "add to agenda": "a resident added to a meeting's agenda",
    "schedule meeting": "a committee meeting scheduled",
    "record attendance": "who attends a meeting recorded",
    "assign reviewers": "a resident's reviewers assigned",
    "write reviewer note": "a reviewer's pre-meeting note written",
    "log coaching session": "a coaching session logged",
    "build packet": "a meeting packet built, one event per resident in it",
    "export packet": "a meeting packet downloaded",
    "export agenda": "a meeting agenda downloaded, one event per resident in it",
    "export audit trail": "audit events downloaded",
    "export rejected rows": "an import's rejected rows downloaded",
    "import": "an export imported",
    "roll back import": "an import rolled back",
    "create program": "a program created (from the command line)",
    "grant role": "a role given (from the command line: a program's first administrator)",
    "request access": "a role, or a sign-in for another person, asked for: it waits for confirmation",
    "confirm access": "a waiting role or sign-in confirmed by a second person",
    "decline access": "a waiting role or sign-in declined",
    "revoke role": "a role taken away",
    "set sign-in identity": "a sign-in identity given to a person",
}

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
SERIES_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "sky blue", "purple",
                                         "black", "yellow")]
OPPORTUNITY_COLOURS = dict(zip(OPPORTUNITIES, SERIES_COLOURS))
# Bar fill patterns per opportunity, so the feedback mix reads in greyscale print as well.
OPPORTUNITY_PATTERNS = dict(zip(OPPORTUNITIES, ["", "/", ".", "x", "-", "\\"]))
DECISION_COLOURS = {
    "Progressing as expected": OKABE_ITO["blue"],
    "Progress is accelerated": OKABE_ITO["green"],
    "Not progressing as expected": OKABE_ITO["orange"],
    "Failure to progress": OKABE_ITO["vermillion"],
    "Inactive": OKABE_ITO["black"],
}
SESSION_STYLES = {  # colour and marker symbol per coaching session status
    "held": (OKABE_ITO["blue"], "circle"),
    "cancelled by resident": (OKABE_ITO["orange"], "x"),
    "cancelled by coach": (OKABE_ITO["purple"], "x-thin-open"),
    "no-show": (OKABE_ITO["vermillion"], "triangle-down"),
    "upcoming": (OKABE_ITO["black"], "circle-open"),
}


def counted(n: int, word: str, many: str | None = None) -> str:
    """'1 flag', '2 flags': a count with its noun in the right number (many for an irregular plural)."""
    return f"{n} {word if n == 1 else many or word + 's'}"
