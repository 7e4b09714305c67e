"""Text that came from a file or a user, shown as text: never as Markdown, HTML or a Streamlit directive.

Streamlit renders Markdown in st.markdown, in alert boxes, in captions and in every widget's label (an
image there is fetched, a link works); a name such as "![x](http://host/p.png)" imported from an export
would then call that host from every browser that shows it. Text from data reaches those elements only
through escape_markdown(); HTML built from data (st.html, the packet) escapes it with html.escape.

Escaping is not enough on its own: GitHub's Markdown also turns any address written out in a text
("http://host", "www.host", "name@host") into a working link, escaped or not. escape_markdown puts an
invisible word joiner inside each such pattern, so it shows as written and links nowhere.
"""

from __future__ import annotations

import re

# Every character Markdown, GitHub's extensions or Streamlit's own directives (:red[...], :material/x:,
# $math$) give a meaning to; a backslash before any ASCII punctuation shows it as itself.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&\"'@])")
# What GitHub's Markdown links by itself: a scheme's "//", "www." and the "@" of an address.
_LINKED = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\\\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"  # invisible, and joins nothing that could form a link


def escape_markdown(text) -> str:
    """text, any value, as Markdown that shows exactly those characters, with no link in it."""
    return _LINKED.sub(WORD_JOINER, _SPECIAL.sub(r"\\\1", str(text)))
