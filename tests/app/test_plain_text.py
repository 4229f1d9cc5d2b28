"""Names are escaped so Markdown-rendering places show them as typed."""

from __future__ import annotations

from dashboard.app.plain_text import escape_markdown


def test_markdown_and_directives_are_escaped() -> None:
    assert escape_markdown("**Ana** [x](http://e.test)") == (
        r"\*\*Ana\*\* \[x\]\(http\:\/\/e\.test\)".replace(r"\/", "/")
    )
    assert escape_markdown(":red[Bob]") == r"\:red\[Bob\]"
    assert escape_markdown("<b>Eve</b>") == r"\<b\>Eve\</b\>"


def test_plain_names_are_unchanged_and_newlines_flattened() -> None:
    assert escape_markdown("Maria Fernanda Silva") == "Maria Fernanda Silva"
    assert escape_markdown("José\n# Heading") == r"José \# Heading"
