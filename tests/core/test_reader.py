"""Rendering module and scenario text: what a reader sees of what an author wrote."""

from __future__ import annotations

from trainer.core.reader import render_markdown


def test_story_format_macros_show_as_the_text_they_are() -> None:
    """An imported SugarCube passage kept `<<set $key to false>>`; the sanitizer took it for a
    tag and removed it, so the preview showed only "<"."""
    shown = render_markdown("You find a key. <<set $key to true>>\n\n<% s.visited = 1 %>").html
    assert "&lt;&lt;set $key to true&gt;&gt;" in shown
    assert "&lt;% s.visited = 1 %&gt;" in shown


def test_markup_that_is_not_a_macro_is_still_sanitized() -> None:
    shown = render_markdown('Hello <script>alert(1)</script><b onclick="x()">there</b>').html
    assert "<script" not in shown and "onclick" not in shown
    assert "<b>there</b>" in shown
