"""What every AppTest run of the dashboard needs, for the tests and the benchmarks alike."""

import re

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test


class _NavigationPagesManager(PagesManager):
    """AppTest starts every run in Streamlit's older pages/-folder mode, which a server leaves for good
    after its first run (see ui.leave_folder_multipage_mode). Start AppTest runs where a server is
    after that first run, so a run's widget input is not lost to the frame's one-time rerun."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test.PagesManager = _NavigationPagesManager

# Single sign-on settings for AppTest runs (the provider is never contacted: AppTest supplies st.user).
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret-0123456789",
        "client_id": "dashboard", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def shown(markdown: str) -> str:
    """The text a Markdown element shows: what cbme.markup.escape_markdown escaped, unescaped."""
    return re.sub(r"\\(.)", r"\1", markdown)
