"""Turn untrusted HTML into safe HTML and readable Markdown.

nh3 (the Rust ammonia sanitizer) cleans the HTML; it is several times faster
than feedparser's own sanitizer and decodes entities before checking link
schemes, so ``&#106;avascript:`` links lose their target. html2text then
gives the Markdown that is stored, searched and shown.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from typing import Literal

import nh3

from reader.text.sanitize import clean_text

# Only these link schemes survive; everything else (javascript:, data:,
# file:, ssh:, ...) keeps its text and loses its target.
_URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content: not article text.
_DROP_WITH_CONTENT = {"script", "style", "template", "noscript", "form", "svg", "math"}
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - _DROP_WITH_CONTENT
_TAG = re.compile(r"<[a-zA-Z!/?]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_WHITESPACE_ONLY_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)
# html2text writes "_word_ ," when emphasis is followed by punctuation.
_SPACE_AFTER_EMPHASIS = re.compile(r"(?<=\S)([_*]) (?=[,.;:!?)])")

# A line starting with one of these would turn into Markdown structure.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([#>*+\-=`|])")
_INLINE_MARKDOWN = re.compile(r"([\[\]*_`])")
_ORDERED_LIST_START = re.compile(r"^(\s*\d+)([.)])(?=\s)")


@functools.lru_cache(maxsize=64)
def _cleaner(base_url: str | None) -> nh3.Cleaner:
    """nh3's sanitizer, relative links resolved against ``base_url`` (an http(s) URL) when given.

    Built once per base and kept: building one costs about half as much as
    cleaning an article, and a feed's entries share a base.
    """
    if base_url:
        try:
            return _new_cleaner(("rewrite_with_base", base_url))
        except ValueError:  # a base nh3 cannot parse: links stay as written
            pass
    return _new_cleaner(None)


def _new_cleaner(relative: tuple[Literal["rewrite_with_base"], str] | None) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_ALLOWED_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        url_schemes=_URL_SCHEMES,
        link_rel=None,
        url_relative=relative,
    )


def sanitize_html(markup: str, base_url: str | None = None) -> str:
    """Return ``markup`` with scripts, styles, event handlers and unsafe links removed.

    With an http(s) ``base_url``, relative links and image sources are made
    absolute against it (by nh3, as it cleans), so the stored HTML opens
    and lists its links wherever it is read.
    """
    if not markup:
        return ""
    base = base_url if base_url and base_url.startswith(("http://", "https://")) else None
    cleaned = _cleaner(base).clean(markup)  # a base nh3 cannot use gives the cleaner without it
    # nh3 keeps control characters in text; the stored HTML must be as clean
    # as the stored Markdown.
    return clean_text(cleaned)


def looks_like_html(text: str) -> bool:
    """True if ``text`` contains anything resembling a tag or an entity."""
    return bool(_TAG.search(text)) or "&" in text


# In sanitized HTML (nh3's serialisation: attribute values in double quotes),
# the tags that matter for images: an image, and the opening and closing of links.
_IMAGE_OR_ANCHOR = re.compile(r'<img(?P<attributes>(?:\s+[A-Za-z_:][-\w:.]*(?:="[^"]*")?)*)\s*/?>|<a\b[^>]*>|</a\s*>')
_ATTRIBUTE = re.compile(r'\s([A-Za-z_:][-\w:.]*)="([^"]*)"')


def _images_as_labels(markup: str) -> str:
    """Each image as ``[image: alt]`` on its own, a link to the image (nothing when its alt is empty).

    html2text would write the bare alt text glued to the next word ("See
    imagethis"). As a link the image's address stays in the links list; an
    image already inside a link becomes the label only (links do not nest).
    An image without alt text is decoration or a tracking pixel: dropped.
    """
    if "<img" not in markup:
        return markup
    depth = 0
    # An image inside a link is the link's label: the space that keeps it off the next word goes after
    # the link's end (found by review: "[image: thumb]linked").
    pad = False

    def replace(match: re.Match[str]) -> str:
        nonlocal depth, pad
        tag = match.group()
        if not tag.startswith("<img"):
            depth = depth + 1 if tag.startswith("<a") else max(0, depth - 1)
            if pad and not tag.startswith("<a") and depth == 0:
                pad = False
                return tag + " "
            return tag
        attributes = {name.lower(): html_lib.unescape(value) for name, value in _ATTRIBUTE.findall(tag)}
        alt = " ".join(attributes.get("alt", "").split())
        if not alt:
            return ""
        label = html_lib.escape(f"[image: {alt}]", quote=False)
        source = attributes.get("src", "")
        if depth:
            pad = True
            return label
        if not source.startswith(("http://", "https://")):
            return f" {label} "
        return f' <a href="{html_lib.escape(source)}">{label}</a> '

    return _IMAGE_OR_ANCHOR.sub(replace, markup)


def html_to_markdown(markup: str, base_url: str | None = None) -> str:
    """Convert (already sanitized) HTML to Markdown; relative links resolve against ``base_url``."""
    if not markup:
        return ""
    if not looks_like_html(markup):
        # Plain text summaries are common; html2text would only slow them down.
        return clean_text(markup).strip()
    import html2text  # only when an article is read: a fetch never needs it (3 ms of its start-up)

    converter = html2text.HTML2Text(baseurl=base_url or "")
    converter.body_width = 0
    converter.unicode_snob = True
    converter.images_to_alt = True
    converter.default_image_alt = "image"
    converter.single_line_break = False
    converter.backquote_code_style = True
    # Text that merely looks like Markdown (a leading "#", "[x](y)") must show as written.
    converter.escape_snob = True
    text = _WHITESPACE_ONLY_LINE.sub("", clean_text(converter.handle(_images_as_labels(markup))))
    text = _tidy_fences(_SPACE_AFTER_EMPHASIS.sub(r"\1", text))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def _tidy_fences(text: str) -> str:
    """Give code fences a blank line before the opening one and none before the closing one."""
    if "```" not in text:
        return text
    out: list[str] = []
    inside = False
    for line in text.split("\n"):
        if line.strip() == "```" or (not inside and line.startswith("```")):
            if inside:
                while out and not out[-1].strip():
                    out.pop()
            elif out and out[-1].strip():
                out.append("")
            inside = not inside
            out.append(line.rstrip())
        else:
            out.append(line)
    return "\n".join(out)


_BLOCK_END = re.compile(
    r"<(?:br\s*/?|/(?:p|div|h[1-6]|li|blockquote|pre|tr|dt|dd|figcaption|section|article|table|ul|ol)\s*)>",
    re.IGNORECASE,
)
# nh3's output is well-formed: every "<" in text is escaped and attribute
# values are quoted with any ">" escaped, so a tag is exactly "<...>".
_ANY_TAG = re.compile(r"<[^>]*>")
_ODD_SPACE = re.compile(r"[\t\f\v\xa0]")
_BLANK_AFTER_NEWLINE = re.compile(r"\n[ \n]+")
# The only entities nh3 writes (html5ever's serializer): what they decode to is never a control
# character or a bidi mark, so text from sanitized HTML that holds no other needs no second cleaning.
_OTHER_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp);)")


def html_to_text(markup: str) -> str:
    """Plain text of HTML that :func:`sanitize_html` produced, one line per block: what search indexes.

    Much cheaper than :func:`html_to_markdown`, so it runs at import (and on
    every fetched entry); the Markdown is made when an article is read. Only
    for sanitized HTML: scripts and styles are already gone, and tags can be
    cut out with a pattern instead of a second parse.
    """
    if not markup:
        return ""
    if not looks_like_html(markup):
        return clean_text(markup).strip()
    return clean_text(_tags_out(markup)[0])


def sanitize_with_text(markup: str, base_url: str | None = None) -> tuple[str, str]:
    """:func:`sanitize_html` of ``markup`` and :func:`html_to_text` of that, in one go (what a fetch stores).

    The same two strings, for less: the sanitized HTML is known to be clean
    (:func:`clean_text` ran over it), so its text is cleaned again only when
    it decoded an entity nh3 does not write.
    """
    html = sanitize_html(markup, base_url)
    if not html:
        return "", ""
    if not looks_like_html(html):
        return html, html.strip()
    text, other_entities = _tags_out(html)
    return html, clean_text(text) if other_entities else text


def _tags_out(markup: str) -> tuple[str, bool]:
    """The text of sanitized ``markup``, one line per block; and whether it decoded an entity nh3 does not write."""
    text = _ANY_TAG.sub("", _BLOCK_END.sub("\n", markup))
    other_entities = False
    if "&" in text:
        other_entities = _OTHER_ENTITY.search(text) is not None
        text = html_lib.unescape(text)
    # Plain string tests and replacing: a regex over every space costs more than the rest together.
    if "\t" in text or "\xa0" in text or "\f" in text or "\v" in text:
        text = _ODD_SPACE.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    text = text.replace(" \n", "\n")
    if "\n\n" in text or "\n " in text:
        text = _BLANK_AFTER_NEWLINE.sub("\n", text)
    return text.strip(" \n"), other_entities


_BLOCK_CLOSE = re.compile(r"</(?:p|h[1-6]|li|ul|ol|pre|blockquote|div|table|figure)\s*>", re.IGNORECASE)


def opening_html(html: str, limit: int = 8000) -> str | None:
    """The start of a long article's HTML, cut after a block, to render a first screen fast.

    None when the article is short enough to convert whole.
    """
    if len(html) <= limit * 1.5:
        return None
    ends = [match.end() for match in _BLOCK_CLOSE.finditer(html, 0, limit)]
    return html[: ends[-1]] if ends else None


def readable_markdown(html: str | None, text: str, base_url: str | None = None) -> str:
    """The Markdown shown to readers: made from the stored HTML, else the stored text."""
    return html_to_markdown(html, base_url) if html else clean_text(text)


def html_to_plain(markup: str) -> str:
    """Strip every tag and decode entities: for titles and author names."""
    if not markup:
        return ""
    if not looks_like_html(markup):
        return markup
    return html_lib.unescape(nh3.clean(markup, tags=set(), clean_content_tags=_DROP_WITH_CONTENT))


def escape_markdown_line(line: str) -> str:
    """Escape a plain-text line so Markdown shows it as written."""
    line = _INLINE_MARKDOWN.sub(r"\\\1", line.replace("\\", "\\\\"))
    line = _ORDERED_LIST_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return _MARKDOWN_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)


def blocks_to_markdown(blocks: list[tuple[str, str]]) -> str:
    """Build Markdown from ``("heading" | "paragraph", text)`` blocks."""
    out = []
    for kind, text in blocks:
        if kind == "heading":
            out.append("## " + escape_markdown_line(text))
        else:
            out.append(escape_markdown_line(text))
    return "\n\n".join(out)


def blocks_to_html(blocks: list[tuple[str, str]]) -> str:
    """Build HTML from ``("heading" | "paragraph", text)`` blocks."""
    out = []
    for kind, text in blocks:
        tag = "h2" if kind == "heading" else "p"
        out.append(f"<{tag}>{html_lib.escape(text)}</{tag}>")
    return "\n".join(out)
