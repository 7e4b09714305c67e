"""What every AppTest run of the dashboard needs in the tests."""

import re

from benchmarks.harness import AUTH  # noqa: F401  (the benchmarks sign in the same way)


def shown(markdown: str) -> str:
    """The text a Markdown element shows: what cbme.app.markup.escape_markdown escaped, unescaped."""
    return re.sub(r"\\(.)", r"\1", markdown)
