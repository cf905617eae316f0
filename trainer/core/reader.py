"""Module Markdown -> sanitized HTML (no scripts, no remote loads), its sections, and search."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

EXTENSIONS = ["tables", "footnotes", "admonition", "toc", "sane_lists"]
ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "div",
    "span",
    "sup",
    "hr",
    "br",
    "dl",
    "dt",
    "dd",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
}
REMOTE = re.compile(r"^\s*(https?:|//|ftp:|data:)", re.I)


@dataclass(frozen=True)
class Section:
    id: str  # the anchor of its `##` heading
    title: str
    text: str  # plain text, for search


@dataclass(frozen=True)
class Rendered:
    html: str
    sections: tuple[Section, ...]


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and REMOTE.match(value):
        return None  # no remote loads: the image is dropped to its alt text's place
    if tag == "a" and attr == "href" and value.strip().lower().startswith("javascript:"):
        return None
    return value


def sanitize(raw_html: str) -> str:
    import nh3

    return str(
        nh3.clean(
            raw_html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            attribute_filter=_attribute_filter,
            link_rel=None,
            url_schemes={"http", "https", "mailto"},
            strip_comments=True,
        )
    )


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# Story-format macros kept from an imported Twine story (SugarCube `<<set $key to true>>`,
# Snowman `<% … %>`): to Markdown they look like HTML tags, which the sanitizer removed, so a
# trainer saw "<" where the macro was. They are shown as the text they are.
_MACRO_RE = re.compile(r"<<.*?>>|<%.*?%>", re.S)


def _shown_as_text(match: re.Match[str]) -> str:
    return html.escape(match.group(), quote=False)


@lru_cache(maxsize=64)
def render_markdown(body: str) -> Rendered:
    """Render a module body. Cached by text: the same version renders once per process."""
    import markdown

    md = markdown.Markdown(
        extensions=EXTENSIONS,
        extension_configs={
            "toc": {"permalink": False},
            "footnotes": {"BACKLINK_TEXT": "↩", "USE_DEFINITION_ORDER": False},
        },
        output_format="html",
    )
    raw = md.convert(_MACRO_RE.sub(_shown_as_text, body))
    safe = sanitize(raw).replace("</sup><sup", "</sup><sup>,</sup><sup")  # [^1][^2] -> 1,2
    tokens: list[dict[str, Any]] = getattr(md, "toc_tokens", [])
    heads = [t for t in tokens if t["level"] == 2]
    sections = []
    for i, token in enumerate(heads):
        start = safe.find(f'id="{token["id"]}"')
        start = safe.find(">", start) + 1 if start >= 0 else start  # after the heading's tag
        end = safe.find(f'id="{heads[i + 1]["id"]}"') if i + 1 < len(heads) else len(safe)
        fragment = safe[start:end] if start >= 0 else ""
        sections.append(Section(token["id"], html.unescape(token["name"]), _plain(fragment)))
    return Rendered(safe, tuple(sections))


READER_CSS = """
body { line-height: 1.45; }
h2 { margin-top: 1.2em; }
div.admonition { margin: 0.8em 0; padding: 0.4em 0.8em; border: 1px solid #888;
                 background-color: #f3f3ee; }
div.warning { background-color: #fff4e0; }
div.policy { background-color: #fff4e0; border-left: 4px solid #8a5a00; }
div.policy blockquote { margin: 0.3em 0 0.3em 0.8em; padding: 0.2em 0.6em;
                        background-color: #ffffff; border-left: 3px solid #1d4e6b; }
div.example { background-color: #eef4fb; }
p.admonition-title { font-weight: bold; margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #999; padding: 3px 6px; }
div.footnote { font-size: small; }
"""


def page(rendered: Rendered, title: str, preface: str = "") -> str:
    """A complete HTML page for the reader view (title, optional preface, body)."""
    return (
        f"<html><head><style>{READER_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{preface}{rendered.html}</body></html>"
    )


@dataclass(frozen=True)
class SearchHit:
    module_key: str
    module_title: str
    section_id: str
    section_title: str
    snippet: str


def search_sections(
    needle: str, modules: list[tuple[str, str, Rendered]], limit: int = 50
) -> list[SearchHit]:
    """Case-insensitive search of every section of the given (key, title, rendered) modules."""
    words = needle.lower().split()
    if not words:
        return []
    hits = []
    for key, title, rendered in modules:
        for section in rendered.sections:
            haystack = section.text.lower()
            if all(w in haystack for w in words):
                at = haystack.find(words[0])
                start = max(0, at - 60)
                snippet = ("…" if start else "") + section.text[start : at + 100].strip() + "…"
                hits.append(SearchHit(key, title, section.id, section.title, snippet))
                if len(hits) >= limit:
                    return hits
    return hits
