"""Turn what people type into a safe FTS5 MATCH expression.

FTS5 has its own query language and raises syntax errors on ordinary input
(a lone ``"``, ``AND OR``, ``NEAR(``, ``-foo``, ``col:x``). Bound parameters
do not help because the syntax lives inside the parameter. So the query is
rebuilt here from tokens, each written as a quoted FTS5 string:

* words match anywhere in title, text or comments; all words must match;
* ``"two words"`` matches the phrase;
* ``word*`` matches words starting with ``word``;
* ``a OR b`` matches either;
* ``-word`` excludes articles containing ``word``.

Everything else (unbalanced quotes, stray operators, parentheses, column
filters, control characters) is treated as plain text or dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A quoted phrase, or a run of characters that are neither space, quote nor
# parenthesis: "NEAR(peace" reads as NEAR and peace.
_TOKEN = re.compile(r'"([^"]*)"|([^\s"()]+)')
# Characters the default unicode61 tokenizer treats as separators anyway;
# stripping them keeps a token like ``(foo`` from becoming an empty string.
_EDGE_PUNCTUATION = "()[]{}:^+,;!?'\"`"


class InvalidSearchError(ValueError):
    """A query that cannot be searched; ``str(error)`` is a friendly one-line message."""


@dataclass(frozen=True)
class Term:
    """One positive or negative search term."""

    text: str
    prefix: bool = False
    negated: bool = False

    def to_fts(self) -> str:
        """This term as an FTS5 string (and prefix marker)."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + " *" if self.prefix else quoted


def parse_terms(query: str) -> list[list[Term]]:
    """Split ``query`` into AND-ed groups of OR-ed terms."""
    query = _CONTROL.sub(" ", query or "")[:MAX_QUERY_CHARS]
    groups: list[list[Term]] = []
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(query):
        phrase, word = match.group(1), match.group(2)
        if word is not None and word in ("OR", "|"):
            pending_or = bool(groups)
            continue
        if word is not None and word in ("AND", "&", "NOT", "NEAR"):
            continue
        negated = prefix = False
        if phrase is not None:
            text = " ".join(phrase.split())
        else:
            text = word
            if text.startswith("-") and len(text) > 1:
                negated, text = True, text[1:]
            if text.endswith("*"):
                prefix = True
            text = text.strip(_EDGE_PUNCTUATION + "*").replace('"', " ").strip()
        if not text or not any(ch.isalnum() for ch in text):
            continue
        count += 1
        if count > MAX_TERMS:
            break
        term = Term(text, prefix=prefix, negated=negated)
        if pending_or and not negated and groups and not groups[-1][0].negated:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups


def build_match(query: str) -> str:
    """Return the FTS5 MATCH string for ``query`` or raise :class:`InvalidSearchError`."""
    groups = parse_terms(query)
    positive = [g for g in groups if not g[0].negated]
    negative = [g[0] for g in groups if g[0].negated]
    if not positive:
        if negative:
            raise InvalidSearchError("add a word to search for; '-word' only excludes")
        raise InvalidSearchError("type a word to search for")
    parts = []
    for group in positive:
        if len(group) == 1:
            parts.append(group[0].to_fts())
        else:
            parts.append("(" + " OR ".join(t.to_fts() for t in group) + ")")
    expression = " AND ".join(parts)
    for term in negative:
        expression = f"({expression}) NOT {term.to_fts()}"
    return expression
