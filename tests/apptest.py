"""What every AppTest run of the dashboard needs, for the tests and the benchmarks alike."""

import re

# Single sign-on settings for AppTest runs (the provider is never contacted: AppTest supplies st.user).
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret-0123456789",
        "client_id": "dashboard", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def shown(markdown: str) -> str:
    """The text a Markdown element shows: what cbme.app.markup.escape_markdown escaped, unescaped."""
    return re.sub(r"\\(.)", r"\1", markdown)
