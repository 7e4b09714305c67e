"""Sign-in for the frame: who the person at the browser is, in one of three modes.

- OpenID Connect (the institution's single sign-on), when secrets hold an [auth] section: st.login.
- A trusted reverse-proxy header, when CBME_TRUSTED_HEADER names the header the proxy sets, believed
  only from the proxy's addresses (CBME_TRUSTED_PROXIES).
- Demo users, only when neither is configured, the database holds nothing but the demo program, and
  the browser runs on the computer that serves the dashboard.

Every sign-in and every refusal is in the audit trail.

The identity (email, or OIDC subject) maps to a person through sign_in_identities; a person without a
mapping, or without any role, sees nothing and is told why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from cbme.app import frame, reads, widgets
from cbme.app.markup import escape_markdown
from cbme.store import access

TRUSTED_HEADER = "CBME_TRUSTED_HEADER"
TRUSTED_PROXIES = "CBME_TRUSTED_PROXIES"
LOOPBACK = "this computer"


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
    meta = reads.fetch("dashboard_meta")
    return dict(zip(meta["key"], meta["value"])).get("demo_data") == "true"


def sign_out_button() -> None:
    if mode() == "oidc" and st.user.is_logged_in:
        st.sidebar.button("Sign out", on_click=st.logout, key="frame_sign_out", icon=":material/logout:")


def client_address() -> str:
    """The browser's network address as the server sees it; a browser on the server itself (or a proxy
    on it that does not forward the address) is "this computer"."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else LOOPBACK  # (AppTest has no connection)


def refuse(message: str, identity: str | None = None, sign_out: bool = True, **detail) -> None:
    """Tell the person why they see nothing, record the refusal once per session, and stop (offering
    to sign out unless the caller already does)."""
    key = ("frame_refused", identity, tuple(sorted(detail.items())))
    if st.session_state.get("frame_refused") != key:
        access.audit(reads.connection(), None, "refuse sign in", identity=identity, mode=mode(), **detail)
        st.session_state["frame_refused"] = key
    st.warning(escape_markdown(message))
    if sign_out:
        sign_out_button()
    frame.stop_before_pages()


def trusted_proxies() -> set[str]:
    """The addresses the authenticating proxy connects from (CBME_TRUSTED_PROXIES, comma-separated);
    "127.0.0.1" is a proxy on the same computer."""
    listed = {a.strip() for a in os.environ.get(TRUSTED_PROXIES, "").split(",") if a.strip()}
    return {LOOPBACK if a in ("127.0.0.1", "::1", "localhost") else a for a in listed}


def sign_in() -> Viewer:
    """The signed-in viewer; stops the script with a message when there is none."""
    current = mode()
    if current == "oidc":
        if not st.user.is_logged_in:
            st.title("Competence committee dashboard")
            st.write("Resident assessment records are confidential. Sign in with your institution account.")
            st.button("Sign in", on_click=st.login, type="primary", key="frame_sign_in")
            frame.stop_before_pages()
        identities = [st.user.get("email"), st.user.get("sub")]
    elif current == "header":
        header = os.environ[TRUSTED_HEADER]
        if client_address() not in trusted_proxies():
            # Anyone who reaches the port could send the header: it is believed only from the proxy.
            st.error(f"This dashboard accepts sign-ins only through its proxy ({TRUSTED_PROXIES} lists the "
                     "proxy's addresses). Open it at the address your institution gave you.")
            refuse("Not signed in.", identity=st.context.headers.get(header), reason="not from a trusted proxy",
                   address=client_address())
        identities = [st.context.headers.get(header)]
        if not identities[0]:
            st.error(f"The proxy in front of the dashboard did not say who you are (header {header}).")
            refuse("Not signed in.", reason="the proxy sent no identity")
    else:
        return _demo_viewer()

    identity = next(i for i in identities if i) if any(identities) else ""
    person_id = access.person_for_identity(reads.fetch, *identities)
    if person_id is None:
        refuse(f"You are signed in as {identity}, but no one has given this account access yet. "
               "Ask your program's administrator.", identity=identity, reason="no access given")
    return _signed_in(person_id, identity, current)


def _signed_in(person_id: str, identity: str, current: str) -> Viewer:
    """The viewer, with their sign-in recorded once per session (and again when the person changes)."""
    name = reads.fetch("person", person_id=person_id).iloc[0]["name"]
    if st.session_state.get("frame_signed_in") != person_id:
        access.audit(reads.connection(), person_id, "sign in", identity=identity, mode=current)
        st.session_state["frame_signed_in"] = person_id
    return Viewer(person_id, name, identity, current)


def _demo_viewer() -> Viewer:
    if not demo_data_only():
        st.error("Sign-in is not configured. This database holds real program data, so the demo users are "
                 "switched off. An administrator must configure single sign-on (see the README's security "
                 "section).")
        refuse("Not signed in.", reason="demo users with real data")
    if client_address() != LOOPBACK:
        # Anyone who reaches the port could pick the administrator: the demo is for this computer only.
        st.error("The demo users are offered only on the computer that runs the dashboard. To serve others, "
                 "configure sign-in (see the README's security section and docs/deployment.md).")
        refuse("Not signed in.", reason="demo users from another computer", address=client_address())
    users = reads.fetch("demo_users").set_index("person_id")
    with st.sidebar:
        st.warning("**Demo mode**: no sign-in, demo data only. Choose whose view to see; access follows "
                   "that person's roles.", icon=":material/science:")
        # Kept in the address like the program and the date, so that a reload or a link keeps the view.
        choice = widgets.linked_selectbox(
            "Viewing as (demo user)", {p: f"{u['kind']}: {u['name']}" for p, u in users.iterrows()}, param="demo_user",
            key="frame_demo_user", refused="The link names no demo user; showing the first.",
            on_refused=lambda requested: None)
    return _signed_in(choice, f"demo: {users.at[choice, 'kind']}", "demo")
