"""Makes user-supplied text (student and course names) safe to show in Markdown-rendering places.

Streamlit renders Markdown (and its own ``:color[...]`` / ``:material/icon:`` directives) in
titles, captions, metric labels and option labels. Names come from the API and are data, never
markup: a name like ``**x** [link](http://…)`` must show those characters, not a bold link.
"""

from __future__ import annotations

import re

__all__ = ["escape_markdown"]

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escape all those that
# start Markdown, HTML or Streamlit directives. The colon is escaped for ``:red[...]`` directives.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^])")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown-significant character escaped and newlines made spaces."""
    single_line = " ".join(text.splitlines())
    return _SPECIAL.sub(r"\\\1", single_line)
