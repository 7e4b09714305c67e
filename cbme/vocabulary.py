"""The words users read for the codes stored in the database, and the colours that go with them.

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

SESSION_STATUSES = ["held", "cancelled by resident", "cancelled by coach", "no-show", "upcoming"]

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
