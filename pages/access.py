"""People and access: who holds which role in the program and how they sign in (administrators)."""

import streamlit as st

from cbme import access, ui

view = ui.view()
st.title("People and access")
st.caption("Roles decide what each person sees: program leads and committee members see the program's "
           "residents, coaches their own coachees, administrators only this page and the audit trail. "
           "Every change is recorded in the audit trail.")

people = ui.fetch("program_people", viewer=view.viewer_id, program_id=view.program_id)
st.dataframe(
    people.assign(roles=people["roles"].map(lambda rs: ", ".join(access.ROLE_LABELS[r] for r in rs)),
                  identities=people["identities"].map(lambda ids: ", ".join(ids) if ids is not None else "")),
    hide_index=True, placeholder="—", column_order=["name", "roles", "identities", "person_id"],
    column_config={"name": "Person", "roles": "Roles", "identities": "Signs in as", "person_id": "Id"})

staff = ui.fetch("program_staff", viewer=view.viewer_id, program_id=view.program_id)
names = dict(zip(staff["person_id"], staff["name"]))


def apply(change, success: str) -> None:
    try:
        changed = change()
    except (access.NotAllowed, ValueError) as error:
        st.error(str(error))
        return
    st.success(success if changed is not False else "Nothing to change.")


grant, revoke, identity = st.tabs(["Give a role", "Remove a role", "Sign-in identity"])
with grant, st.form("access_grant", border=False):
    person = st.selectbox("Person", list(names), format_func=names.get, key="access_grant_person",
                          placeholder="Type a name", index=None)
    role = st.selectbox("Role", access.ROLES, format_func=access.ROLE_LABELS.get, key="access_grant_role",
                        index=None, placeholder="Choose a role")
    if st.form_submit_button("Give role", type="primary") and person and role:
        apply(lambda: access.grant_role(ui.connection(), view.viewer_id, view.program_id, person, role),
              f"{names[person]} is now {access.ROLE_LABELS[role].lower()}.")

members = dict(zip(people["person_id"], people["name"]))
with revoke, st.form("access_revoke", border=False):
    person = st.selectbox("Person", list(members), format_func=members.get, key="access_revoke_person",
                          placeholder="Type a name", index=None)
    role = st.selectbox("Role", access.ROLES, format_func=access.ROLE_LABELS.get, key="access_revoke_role")
    if st.form_submit_button("Remove role") and person:
        apply(lambda: access.revoke_role(ui.connection(), view.viewer_id, view.program_id, person, role),
              f"{members[person]} is no longer {access.ROLE_LABELS[role].lower()}.")

with identity, st.form("access_identity", border=False):
    st.caption("The email address (or the single sign-on subject) a person signs in with.")
    person = st.selectbox("Person", list(members), format_func=members.get, key="access_identity_person",
                          placeholder="Type a name", index=None)
    value = st.text_input("Email or subject", key="access_identity_value", max_chars=254)
    if st.form_submit_button("Add identity") and person:
        apply(lambda: access.set_identity(ui.connection(), view.viewer_id, view.program_id, person, value),
              f"{members[person]} can sign in as {value.strip().lower()}.")
