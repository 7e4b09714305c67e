"""People and access: who holds which role in the program and how they sign in (administrators), and
the requests that wait for a second person's confirmation (administrators and the program lead)."""

import streamlit as st

from cbme.app import frame, reads
from cbme.app.markup import escape_markdown
from cbme.store import access
from cbme.vocabulary import ROLES

view = frame.view()
admin = "admin" in view.roles
st.title("People and access")
st.caption("Roles decide what each person sees: program leads and committee members see the program's "
           "residents, coaches their own coachees, administrators only this page, imports and the audit trail. "
           "Every role given and every sign-in added for another person waits for a second person's "
           "confirmation (another administrator, or the program lead). Every change is in the audit trail.")


def apply(change, messages: dict[str, str]) -> None:
    """Run a change and say what it did, or why it was refused."""
    try:
        outcome = change()
    except (access.NotAllowed, ValueError) as error:
        st.error(escape_markdown(error))
        return
    st.success(escape_markdown(messages.get(outcome, "Done.")))


waiting = reads.fetch("access_requests", viewer=view.viewer_id, program_id=view.program_id)
st.subheader(f"Waiting for confirmation ({len(waiting)})")
if waiting.empty:
    st.caption("Nothing waits for confirmation.")
for request in waiting.itertuples():
    asked = (f"the role {ROLES.get(request.value, request.value)}" if request.kind == "role"
             else f"the sign-in {request.value}")
    with st.container(border=True):
        st.text(f"{request.person_name}: {asked}, asked by {request.requested_by_name} on "
                f"{request.requested_at:%Y-%m-%d %H:%M} UTC.")
        own = view.viewer_id in (request.requested_by, request.person_id)
        if own:
            st.caption("You asked for this, or it is about you: another administrator or the program lead "
                       "confirms it.")
        cols = st.columns([1, 1, 4])
        for col, confirm, label in ((cols[0], True, "Confirm"), (cols[1], False, "Decline")):
            if col.button(label, key=f"access_{'confirm' if confirm else 'decline'}_{request.request_id}",
                          disabled=own, type="primary" if confirm else "secondary"):
                try:
                    access.decide_request(reads.connection(), view.viewer_id, request.request_id, confirm)
                    st.rerun()
                except (access.NotAllowed, ValueError) as error:
                    st.error(escape_markdown(error))

if not admin:
    st.stop()

people = reads.fetch("program_people", viewer=view.viewer_id, program_id=view.program_id)
st.subheader("People")
st.dataframe(
    people.assign(roles=people["roles"].map(lambda rs: ", ".join(ROLES[r] for r in rs)),
                  identities=people["identities"].map(", ".join)),
    hide_index=True, placeholder="—", column_order=["name", "roles", "identities", "person_id"],
    column_config={"name": "Person", "roles": "Roles", "identities": "Signs in as", "person_id": "Id"})

staff = reads.fetch("program_staff", viewer=view.viewer_id, program_id=view.program_id)
names = dict(zip(staff["person_id"], staff["name"]))
members = dict(zip(people["person_id"], people["name"]))
CONFIRMATION = "It waits for confirmation by another administrator or the program lead."

grant, revoke, identity = st.tabs(["Give a role", "Remove a role", "Sign-in identity"])
with grant, st.form("access_grant", border=False):
    person = st.selectbox("Person", list(names), format_func=names.get, key="access_grant_person",
                          placeholder="Type a name", index=None)
    role = st.selectbox("Role", list(ROLES), format_func=ROLES.get, key="access_grant_role",
                        index=None, placeholder="Choose a role")
    if st.form_submit_button("Ask for the role", type="primary") and person and role:
        label = ROLES[role].lower()
        apply(lambda: access.grant_role(reads.connection(), view.viewer_id, view.program_id, person, role),
              {"requested": f"Asked for {names[person]} as {label}. {CONFIRMATION}",
               "waiting": f"{names[person]} as {label} already waits for confirmation.",
               "already": f"{names[person]} is already {label}."})

with revoke, st.form("access_revoke", border=False):
    person = st.selectbox("Person", list(members), format_func=members.get, key="access_revoke_person",
                          placeholder="Type a name", index=None)
    role = st.selectbox("Role", list(ROLES), format_func=ROLES.get, key="access_revoke_role",
                        index=None, placeholder="Choose a role")
    if st.form_submit_button("Remove role") and person and role:
        apply(lambda: access.revoke_role(reads.connection(), view.viewer_id, view.program_id, person, role),
              {True: f"{members[person]} is no longer {ROLES[role].lower()}.",
               False: "Nothing to change."})

with identity, st.form("access_identity", border=False):
    st.caption("The email address (or the single sign-on subject) a person signs in with.")
    person = st.selectbox("Person", list(names), format_func=names.get, key="access_identity_person",
                          placeholder="Type a name", index=None)
    value = st.text_input("Email or subject", key="access_identity_value", max_chars=254)
    if st.form_submit_button("Add identity") and person:
        identity_text = value.strip().lower()
        apply(lambda: access.set_identity(reads.connection(), view.viewer_id, view.program_id, person, value),
              {"added": f"{names[person]} can sign in as {identity_text}.",
               "requested": f"Asked for {names[person]} to sign in as {identity_text}. {CONFIRMATION}",
               "waiting": f"{names[person]} signing in as {identity_text} already waits for confirmation."})
