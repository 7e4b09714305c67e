"""Text that came from a file or a user, shown as text: never as Markdown, HTML or a Streamlit directive.

Streamlit renders Markdown in st.markdown, in alert boxes, in captions and in every widget's label (an
image there is fetched, a link works); a name such as "![x](http://host/p.png)" imported from an export
would then call that host from every browser that shows it. Text from data reaches those elements only
through escape_markdown(); HTML built from data (st.html) escapes it with html.escape.
"""

from __future__ import annotations

import re

# Every character Markdown, GitHub's extensions or Streamlit's own directives (:red[...], :material/x:,
# $math$) give a meaning to; a backslash before any ASCII punctuation shows it as itself.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&\"'@])")


def escape_markdown(text) -> str:
    """text, any value, as Markdown that shows exactly those characters."""
    return _SPECIAL.sub(r"\\\1", str(text))
