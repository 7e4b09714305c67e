"""Widgets the pages share: choices kept in the page address, a card of large facts, lazy tabs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

import streamlit as st

FACTS_CSS = """
.facts {display: flex; flex-wrap: wrap; gap: 0.75rem 2.5rem; padding: 1rem 1.25rem;
        border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;}
.facts .label {font-size: 0.875rem; color: #555;}
.facts .value {font-size: 1.6rem; font-weight: 600; line-height: 1.3;}
.facts .note {font-size: 0.85rem; color: #555; min-height: 1.2em;}
"""

def linked_selectbox(label: str, options: dict[str, str], param: str, refused: str,
                     on_refused: Callable[[str], None], none_when_refused: bool = False, **kwargs) -> str | None:
    """A selectbox over options (value -> label) whose choice is kept in the query parameter param,
    so a link reproduces it. The URL carries the value, never the label. A value in the URL that is
    not among the options is refused with the given message and told to on_refused (which records it
    in the audit trail); then nothing is chosen when none_when_refused (a record the viewer did not ask
    for is not opened), else the first option."""
    values = list(options)
    key = kwargs["key"]
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # a choice from another program or date
    requested = st.query_params.get(param)
    was_refused = requested is not None and requested not in options and key not in st.session_state
    if was_refused:
        on_refused(requested)
        st.session_state[f"{key}_refused"] = True
    if st.session_state.get(f"{key}_refused"):  # said until the viewer chooses (a page switch may follow)
        st.warning(refused)
    user_change = kwargs.pop("on_change", None)

    def changed() -> None:
        st.session_state.pop(f"{key}_refused", None)
        if user_change:
            user_change()

    # The URL decides the first choice; afterwards the widget's own state (which buttons may set) does.
    index = values.index(requested) if requested in options and key not in st.session_state else \
        None if was_refused and none_when_refused else 0
    choice = st.selectbox(label, values, index=index, format_func=options.get, on_change=changed, **kwargs)
    if choice is not None:
        st.query_params[param] = choice
    return choice


def linked_date(label: str, param: str, default: dt.date, **kwargs) -> dt.date:
    """A date input whose date is kept in the query parameter param (YYYY-MM-DD): a link opens on it,
    afterwards the widget's own state decides (which callbacks may set)."""
    try:
        requested = dt.date.fromisoformat(st.query_params.get(param, ""))
    except ValueError:
        requested = None
    chosen = st.date_input(label, value=requested or default, **kwargs)
    st.query_params[param] = chosen.isoformat()
    return chosen


def facts_card(facts: list[tuple[str, str, str]]) -> None:
    """A row of large facts, each a (label, value, note), in a bordered card. Values may come from
    imported data, so every one is HTML-escaped: shown exactly as written, never as markup (the
    markdown elements, st.metric included, would render markup inside a name)."""
    cells = "".join(
        f'<div class="fact"><div class="label">{escape(label)}</div><div class="value">{escape(str(value))}</div>'
        f'<div class="note">{escape(str(note))}</div></div>' for label, value, note in facts)
    st.html(f"<style>{FACTS_CSS}</style><div class='facts'>{cells}</div>")


def lazy_tabs(sections: dict[str, Callable[[], None]], key: str) -> None:
    """A tab per section, of which only the open one runs and is sent to the browser (stepping to the
    next resident redraws one section, not all); the page address names the open tab, as key."""
    for tab, show in zip(st.tabs(list(sections), key=key, bind="query-params"), sections.values()):
        with tab:
            if tab.open:
                show()
