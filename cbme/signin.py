"""Sign-in for the frame: who the person at the browser is, in one of three modes.

- OpenID Connect (the institution's single sign-on), when secrets hold an [auth] section: st.login.
- A trusted reverse-proxy header, when CBME_TRUSTED_HEADER names the header the proxy sets.
- Demo users, only when neither is configured and the database holds nothing but the demo program.

The identity (email, or OIDC subject) maps to a person through sign_in_identities; a person without a
mapping, or without any role, sees nothing and is told why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from cbme import access, ui

TRUSTED_HEADER = "CBME_TRUSTED_HEADER"


@dataclass(frozen=True)
class Viewer:
    person_id: str
    name: str
    identity: str  # how they signed in: an email, a subject, or "demo"
    mode: str  # "oidc", "header" or "demo"


def mode() -> str:
    try:
        if "auth" in st.secrets:
            return "oidc"
    except FileNotFoundError:
        pass
    return "header" if os.environ.get(TRUSTED_HEADER) else "demo"


def demo_data_only() -> bool:
    meta = ui.fetch("dashboard_meta")
    return dict(zip(meta["key"], meta["value"])).get("demo_data") == "true"


def sign_out_button() -> None:
    if mode() == "oidc" and st.user.is_logged_in:
        st.sidebar.button("Sign out", on_click=st.logout, key="frame_sign_out", icon=":material/logout:")


def _refuse(message: str) -> None:
    st.warning(message)
    sign_out_button()
    st.stop()


def sign_in() -> Viewer:
    """The signed-in viewer; stops the script with a message when there is none."""
    current = mode()
    if current == "oidc":
        if not st.user.is_logged_in:
            st.title("Competence committee dashboard")
            st.write("Resident assessment records are confidential. Sign in with your institution account.")
            st.button("Sign in", on_click=st.login, type="primary", key="frame_sign_in")
            st.stop()
        identities = [st.user.get("email"), st.user.get("sub")]
    elif current == "header":
        header = os.environ[TRUSTED_HEADER]
        identities = [st.context.headers.get(header)]
        if not identities[0]:
            st.error(f"The proxy in front of the dashboard did not say who you are (header {header}).")
            st.stop()
    else:
        return _demo_viewer()

    identity = next(i for i in identities if i) if any(identities) else ""
    person_id = access.person_for_identity(ui.fetch, *identities)
    if person_id is None:
        _refuse(f"You are signed in as {identity}, but no one has given this account access yet. "
                "Ask your program's administrator.")
    ui.prefetch(("viewer_programs", dict(viewer=person_id)))  # read by the frame next, after the audit write
    name = ui.fetch("person", person_id=person_id).iloc[0]["name"]
    viewer = Viewer(person_id, name, identity, current)
    if st.session_state.get("frame_signed_in") != person_id:
        access.audit(ui.connection(), person_id, "sign in", identity=identity, mode=current)
        st.session_state["frame_signed_in"] = person_id
    return viewer


def _demo_viewer() -> Viewer:
    if not demo_data_only():
        st.error("Sign-in is not configured. This database holds real program data, so the demo users are "
                 "switched off. An administrator must configure single sign-on (see the README's security "
                 "section).")
        st.stop()
    users = ui.fetch("demo_users")
    with st.sidebar:
        st.warning("**Demo mode**: no sign-in, demo data only. Choose whose view to see; access follows "
                   "that person's roles.", icon=":material/science:")
        choice = st.selectbox("Viewing as (demo user)", users.index,
                              format_func=lambda i: f"{users.at[i, 'kind']}: {users.at[i, 'name']}",
                              key="frame_demo_user", persist_state="session")
    user = users.loc[choice]
    return Viewer(user["person_id"], user["name"], "demo", "demo")
