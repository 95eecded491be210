"""Plain-text articles with comments.

The format (see README, "The plain-text format")::

    Title on the first line
    One paragraph per line. A short line without final punctuation
    Is a section heading
    N Comments
    Commenter name
    The comment: one line per paragraph, as many as it has (or none)
      Indented name: a reply to the comment above
      Its text

Blank lines anywhere are ignored. The comments section is optional.

Comments copied from a web page have several paragraphs, or none, so the
lines after ``N Comments`` do not come in pairs. Which lines are names is
worked out from the shape of a name (:func:`is_name_shaped`) and the count
(:func:`_split_comments`); a choice that could as well have gone another way
is imported and named in a warning, by its line number in the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.parse.base import ImportFailure, short_hash
from reader.text.render import blocks_to_html, escape_markdown_line
from reader.text.sanitize import clean_line

#: Headings are short; a longer line is a paragraph whatever its ending.
HEADING_MAX_CHARS = 100
_COMMENTS_MARKER = re.compile(r"^(?:(\d[\d,]*)|no)\s+comments?\s*:?$", re.IGNORECASE)
# Also the full stops, commas and marks of CJK, Arabic and Devanagari text.
_FINAL_PUNCTUATION = (
    ".!?,;:\u2026\u3002\uff0e\uff01\uff1f\uff0c\uff1b\uff1a\uff61\u3001\u060c\u061b\u061f\u06d4\u0964\u0965"
)
_CLOSERS = "\"')]}\u2019\u201d\u00bb"
INDENT_WIDTH = 2

#: A commenter's name is short: a longer line is comment text.
NAME_MAX_CHARS = 60
NAME_MAX_WORDS = 6
# Punctuation that ends or joins clauses ("Really?", "Wait, what", "Update: fixed") is not in names.
_SENTENCE_MARKS = re.compile(r"[?!;\u2026\uff01\uff1f\uff1b\u061f]|[,:]\s")
# Lower-case words that belong inside a person's name ("Vincent van Gogh").
_NAME_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "des",
        "dos",
        "das",
        "la",
        "le",
        "bin",
        "ibn",
        "al",
        "el",
        "y",
        "e",
        "ter",
        "ten",
        "op",
        "zu",
        "af",
    ]
)
# Whole comments that have the shape of a name; as names they are unlikely.
_COMMON_REPLIES = frozenset(
    [
        "agreed",
        "amen",
        "awesome",
        "bravo",
        "congrats",
        "cool",
        "ditto",
        "exactly",
        "great",
        "haha",
        "indeed",
        "interesting",
        "lmao",
        "lol",
        "me too",
        "nice",
        "no",
        "nope",
        "ok",
        "okay",
        "same",
        "same here",
        "so true",
        "thank you",
        "thanks",
        "this",
        "thx",
        "true",
        "well said",
        "wow",
        "yeah",
        "yep",
        "yes",
    ]
)

# What it costs, in the search for the split, to read a name-shaped line as comment text
# (each reason the line looks like a name adds to it) and to leave a comment empty.
_COST_BASE = 2
_COST_COMMON_REPLY = 0
_COST_FOLLOWED_BY_TEXT = 8
_COST_REPEATED = 4
_COST_PROPER_NAME = 8
_COST_SENTENCE_LIKE = -2
_COST_PER_EXTRA_WORD = -2
_COST_EMPTY_COMMENT = 4
#: The best split is certain when the next best costs at least this much more: a
#: capitalised name read as text against a common reply ("Thanks") is; two names
#: that differ only in which is followed by text ("Bob", "Cid", text) are not.
CERTAIN_MARGIN = 10
#: The exact search takes time in proportion to the name-shaped lines it weighs times the
#: surplus over the count; above this product the split is guessed, with a warning.
EXACT_SEARCH_BUDGET = 50_000


def is_heading(line: str) -> bool:
    """A short line that does not end like a sentence."""
    if len(line) > HEADING_MAX_CHARS:
        return False
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and not stripped.endswith(tuple(_FINAL_PUNCTUATION))


def is_name_shaped(line: str) -> bool:
    """Could ``line`` (cleaned) be a commenter's name?

    Short (at most :data:`NAME_MAX_CHARS` characters and :data:`NAME_MAX_WORDS`
    words), not ending like a sentence (``. ! ? , ; : …``, closing quotes and
    brackets aside), no question or exclamation mark, semicolon, or comma or
    colon before a space inside, and at least one letter or symbol (an emoji).
    """
    if not line or len(line) > NAME_MAX_CHARS or len(line.split()) > NAME_MAX_WORDS:
        return False
    stripped = line.rstrip(_CLOSERS)
    if not stripped or stripped.endswith(tuple(_FINAL_PUNCTUATION)) or _SENTENCE_MARKS.search(line):
        return False
    return any(char.isalpha() or unicodedata.category(char) == "So" for char in line)


def _indent_level(raw_line: str) -> int:
    expanded = raw_line.expandtabs(INDENT_WIDTH)
    return (len(expanded) - len(expanded.lstrip(" "))) // INDENT_WIDTH


def local_source(path: Path) -> FeedData:
    """The source that files imported from ``path``'s folder are grouped under."""
    folder = path.resolve().parent
    return FeedData(key=f"dir:{folder}", title=clean_line(folder.name) or str(folder), kind="local")


def parse_plaintext(text: str, path: Path) -> ImportBatch:
    """Parse one plain-text article; raises :class:`ImportFailure` if there is no title."""
    batch = ImportBatch(kind="plain-text article")
    # Each non-blank line with its number in the file, for warnings that point at one.
    numbered = [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
    if not numbered:
        raise ImportFailure("expected a plain-text article, found only blank lines")
    title = clean_line(numbered[0][1])
    if not title:
        raise ImportFailure("expected a title on the first line, found only control characters")

    body_lines = numbered[1:]
    comment_lines: list[tuple[int, str]] = []
    declared: int | None = None
    for index, (_, raw) in enumerate(body_lines):
        marker = _COMMENTS_MARKER.match(raw.strip())
        if marker:
            digits = marker.group(1).replace(",", "") if marker.group(1) else "0"
            # Ten digits at most: a longer count is no count (and int() refuses 4,300 digits).
            declared = int(digits) if len(digits) <= 10 else None
            comment_lines = body_lines[index + 1 :]
            body_lines = body_lines[:index]
            break

    blocks: list[tuple[str, str]] = []
    for _, raw in body_lines:
        line = clean_line(raw)
        if line:
            blocks.append(("heading" if is_heading(line) else "paragraph", line))

    comments = _parse_comments(comment_lines, declared, batch.warnings)
    if declared is not None and declared != len(comments):
        batch.warnings.append(f"the file says {declared} comments but has {len(comments)}; imported {len(comments)}")

    body_text = "\n".join(line for _, line in blocks)
    article = ArticleData(
        guid="text:" + short_hash(title, body_text),
        title=title,
        text=body_text,
        html=blocks_to_html(blocks),
        declared_comment_count=len(comments),
        comments=comments,
        dated_by_source=False,  # the format has no date: it is dated by its first import
    )
    batch.articles.append((local_source(path), article))
    return batch


@dataclass(frozen=True)
class _Line:
    """One non-blank line of the comments section."""

    number: int  # in the file, from 1
    raw: str  # as written: its indentation makes a reply
    text: str  # cleaned


def _parse_comments(numbered: list[tuple[int, str]], declared: int | None, warnings: list[str]) -> list[CommentData]:
    """The comments: a name line, then its paragraphs; an indented name replies to the comment above."""
    lines = [_Line(number, raw, clean_line(raw)) for number, raw in numbered]
    lines = [line for line in lines if line.text]  # a line of control characters only is blank
    if not lines:
        return []
    starts = _split_comments(lines, declared, warnings)
    comments: list[CommentData] = []
    # Most recent comment guid at each depth, to find a reply's parent.
    open_at_depth: list[str] = []
    seen: dict[str, int] = {}
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        name_line = lines[start]
        author = name_line.text
        # One line is one paragraph, as in the article's body.
        body = "\n\n".join(escape_markdown_line(line.text) for line in lines[start + 1 : end])
        if not body and end == len(lines):
            # An empty comment is fine, but at the very end it may be a copy cut short.
            shown = author if len(author) <= 60 else author[:59] + "\u2026"  # a warning is one short line
            warnings.append(f"the last comment (by {shown}) has no text")
        depth = min(_indent_level(name_line.raw), len(open_at_depth))
        parent = open_at_depth[depth - 1] if depth > 0 else None
        base = short_hash(author, body, parent or "")
        seen[base] = seen.get(base, 0) + 1
        guid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        del open_at_depth[depth:]
        open_at_depth.append(guid)
        comments.append(CommentData(guid=guid, author=author, text=body, parent_guid=parent))
    return comments


def _split_comments(lines: list[_Line], declared: int | None, warnings: list[str]) -> list[int]:
    """Indexes of the lines that start comments (name lines); the first line always does.

    Only name-shaped lines can be names. When there are no more of them than
    the count says, each starts a comment (a name followed by a name is an
    empty comment). When there are more, some are comment text: exactly the
    count of them are chosen, the choice that reads fewest name-like lines as
    text and leaves fewest comments empty. If the next best choice is nearly
    as good, a warning names the first line where the two differ.
    """
    shaped = [index == 0 or is_name_shaped(line.text) for index, line in enumerate(lines)]
    candidates = [index for index, is_name in enumerate(shaped) if is_name]
    if declared is None or declared < 1 or declared >= len(candidates):
        return candidates
    surplus = len(candidates) - declared
    costs = _text_costs(lines, candidates, shaped)
    weighed = _contested(candidates, costs, surplus, len(lines))
    if len(weighed) * (surplus + 1) > EXACT_SEARCH_BUDGET:
        chosen, doubtful = _choose_greedily(costs, surplus)
    else:
        chosen = [True] * len(candidates)
        found, doubtful_weighed = _choose_exactly(
            [candidates[position] for position in weighed],
            [costs[position] for position in weighed],
            len(lines),
            surplus,
        )
        for position, starts in zip(weighed, found, strict=True):
            chosen[position] = starts
        doubtful = None if doubtful_weighed is None else weighed[doubtful_weighed]
    if doubtful is not None:
        line = lines[candidates[doubtful]]
        shown = line.text if len(line.text) <= 40 else line.text[:39] + "\u2026"
        role = "a name" if chosen[doubtful] else "comment text"
        warnings.append(
            f"line {line.number}: cannot tell whether \u201c{shown}\u201d is a name or comment text"
            f" (read it as {role}); check the comments from there"
        )
    return [index for index, keep in zip(candidates, chosen, strict=True) if keep]


def _looks_like_proper_name(words: list[str]) -> bool:
    """Capitalised words ("Mary van Berg", "🦊 Fox"), or one handle with digits or underscores."""
    if len(words) == 1 and any(char.isdigit() or char in "_@" for char in words[0]):
        return True
    return all(
        not word[0].isalpha() or word[0].isupper() or (index > 0 and word.casefold() in _NAME_PARTICLES)
        for index, word in enumerate(words)
    )


def _text_costs(lines: list[_Line], candidates: list[int], shaped: list[bool]) -> list[int]:
    """For each candidate name line, what reading it as comment text costs (the more name-like, the more)."""
    repeats = Counter(lines[index].text.casefold() for index in candidates)
    costs = []
    for index in candidates:
        text = lines[index].text
        words = text.split()
        if text.casefold() in _COMMON_REPLIES:
            costs.append(_COST_COMMON_REPLY)
            continue
        cost = _COST_BASE
        if index + 1 < len(lines) and not shaped[index + 1]:
            cost += _COST_FOLLOWED_BY_TEXT  # a name introduces text
        if repeats[text.casefold()] > 1:
            cost += _COST_REPEATED  # commenters come back
        if _looks_like_proper_name(words):
            cost += _COST_PROPER_NAME
        elif len(words) > 1 and any(word[0].islower() and word.casefold() not in _NAME_PARTICLES for word in words[1:]):
            cost += _COST_SENTENCE_LIKE  # "great article", "same thing here"
        cost += _COST_PER_EXTRA_WORD * max(0, len(words) - 3)
        costs.append(max(cost, 0))
    return costs


def _contested(candidates: list[int], costs: list[int], surplus: int, line_count: int) -> list[int]:
    """The candidates (their indexes in ``candidates``) that the exact search must weigh.

    A candidate with text lines on both sides costs the same to read as text
    whatever else is chosen, so of those only the ``surplus + 1`` cheapest can
    be in the best or the next best split. The others (next to another name-
    shaped line, the first line, the last line) are all weighed.
    """
    candidate_lines = set(candidates)
    weighed: set[int] = {0}
    alone: list[int] = []
    for position, index in enumerate(candidates[1:], 1):
        if index - 1 in candidate_lines or index + 1 in candidate_lines or index == line_count - 1:
            weighed.add(position)
        else:
            alone.append(position)
    alone.sort(key=lambda position: costs[position])  # stable: the earlier of equals first
    weighed.update(alone[: surplus + 1])
    return sorted(weighed)


_State = tuple[int, bool]  # (candidates read as text so far, whether this one starts a comment)
_Entry = tuple[int, _State | None, int]  # (cost, previous state, rank of the entry there)


def _offer(layer: dict[_State, list[_Entry]], state: _State, entry: _Entry) -> None:
    """Keep the two cheapest ways to reach ``state`` (the first offered wins a tie)."""
    entries = layer.setdefault(state, [])
    at = len(entries)
    while at > 0 and entries[at - 1][0] > entry[0]:
        at -= 1
    entries.insert(at, entry)
    del entries[2:]


def _choose_exactly(
    candidates: list[int], costs: list[int], line_count: int, surplus: int
) -> tuple[list[bool], int | None]:
    """Which candidates start comments, reading exactly ``surplus`` of them as text; and the doubtful one.

    Dynamic programming over the candidates in order, the state being how many
    were read as text so far and whether the last one starts a comment (two
    names on adjacent lines make an empty comment). Each state keeps its two
    cheapest histories, so the best split and the next best come out together
    in time proportional to candidates times ``surplus``. The doubtful
    candidate (its index in ``candidates``) is the first where the two differ,
    when they differ in cost by less than :data:`CERTAIN_MARGIN`.
    """
    count = len(candidates)
    layers: list[dict[_State, list[_Entry]]] = [{(0, True): [(0, None, 0)]}]
    for position in range(1, count):
        adjacent = candidates[position] == candidates[position - 1] + 1
        # Enough candidates must be read as text by now for the rest to make up the surplus.
        least = surplus - (count - 1 - position)
        layer: dict[_State, list[_Entry]] = {}
        for state, entries in layers[-1].items():
            as_text, starts = state
            for rank, (cost, _, _) in enumerate(entries):
                if as_text >= least:
                    empty = _COST_EMPTY_COMMENT if starts and adjacent else 0
                    _offer(layer, (as_text, True), (cost + empty, state, rank))
                if least <= as_text + 1 <= surplus:
                    _offer(layer, (as_text + 1, False), (cost + costs[position], state, rank))
        layers.append(layer)

    ends_the_file = candidates[-1] == line_count - 1
    finals: list[tuple[int, _State, int]] = []
    for state, entries in layers[-1].items():
        if state[0] != surplus:
            continue
        for rank, (cost, _, _) in enumerate(entries):
            # The last name with nothing after it is an empty comment too.
            finals.append((cost + (_COST_EMPTY_COMMENT if state[1] and ends_the_file else 0), state, rank))
    finals.sort(key=lambda final: final[0])
    best = _trace(layers, finals[0][1], finals[0][2])
    if len(finals) < 2 or finals[1][0] - finals[0][0] >= CERTAIN_MARGIN:
        return best, None
    runner_up = _trace(layers, finals[1][1], finals[1][2])
    return best, next(position for position in range(count) if best[position] != runner_up[position])


def _trace(layers: list[dict[_State, list[_Entry]]], state: _State, rank: int) -> list[bool]:
    """The choices along one history, from its final state back to the first candidate."""
    chosen = [False] * len(layers)
    current: _State | None = state
    for position in range(len(layers) - 1, -1, -1):
        assert current is not None
        chosen[position] = current[1]
        _, previous, previous_rank = layers[position][current][rank]
        current, rank = previous, previous_rank
    return chosen


def _choose_greedily(costs: list[int], surplus: int) -> tuple[list[bool], int | None]:
    """Far more name-shaped lines than the count: read the least name-like as text; always doubtful."""
    ranked = sorted(range(1, len(costs)), key=lambda position: costs[position])
    as_text = set(ranked[:surplus])
    chosen = [position not in as_text for position in range(len(costs))]
    return chosen, min(as_text)


# --------------------------------------------------------------------------
# Telling a plain-text article from other text (for folder imports)

#: Lines of the start of a file that are looked at.
SHAPE_SCAN_LINES = 400
# A first line starting so is markup, code or data, not a title: Markdown and shell
# comments ("# ", "#!"), JSON arrays, block comments, quotes, tables, front matter.
_NOT_A_TITLE_START = re.compile(
    r"""^(?:[#%][\s!#]|[\[{}\]*=|>;\\`~^+/-]|\$[\s{(]|@|"{3}|'{3}"""
    r"""|\#(?:include|define|if|ifdef|ifndef|pragma|import)\b"""
    r"""|(?:import|from|def|class|function|var|let|const|package|using|module|use|fn|func|return)\s)"""
)
_NOT_A_TITLE_END = re.compile(r"[{(\[;,=\\]\s*$|:=\s*$|=>\s*$")
_LICENCE_TITLE = re.compile(
    r"(?:the\s+)?(?:mit|isc|bsd[\w\s-]*|apache|mozilla\s+public|(?:gnu\s+)?(?:lesser\s+|affero\s+)?general\s+public"
    r"|eclipse\s+public|boost\s+software|creative\s+commons[\w\s.-]*)\s+licen[cs]e"
    r"(?:\s*,?\s*(?:version\s*)?v?[\d.]+)?(?:\s*\([\w\s.-]*\))?",
    re.IGNORECASE,
)
_CODE_LINE_START = re.compile(
    r"^(?:[#%][\s!]|//|/\*|\*|[{}\[\]<>|=;]|\$ |>>> |```"
    r"|(?:import|from|def|class|return|if|for|while|else|elif|try|except|function|var|let|const|public|private)\b"
    r"[^.!?]*$)"
)
_CODE_LINE_END = re.compile(r"(?:[{}\[(;=\\]|=>|->|\)\s*:)\s*$")
# What ends a sentence, in Latin, CJK, Arabic and Devanagari text.
_SENTENCE_ENDS = tuple(".!?\u2026\u3002\uff0e\uff01\uff1f\uff61\u061f\u06d4\u0964\u0965")
#: A line this long is prose even without a full stop.
PROSE_MIN_WORDS = 12
_CODE_SYMBOLS = frozenset("{}[]()<>;=\\|&$#@*_/^~`")
#: Above this share of code-like lines (not counting the comments) a text is not an article.
CODE_LINE_SHARE = 0.2


def _is_code_like(raw: str) -> bool:
    """A line that reads like code or data: indented, bracketed, or dense with symbols."""
    if raw.startswith("\t") or raw.startswith("    "):
        return True
    line = raw.strip()
    if _CODE_LINE_START.match(line) or _CODE_LINE_END.search(line) or "\t" in line:
        return True
    visible = [char for char in line if not char.isspace()]
    return bool(visible) and sum(char in _CODE_SYMBOLS for char in visible) / len(visible) > 0.15


def _is_prose(line: str) -> bool:
    """A sentence: mostly letters, and ending like one or twelve words long.

    Not a number, a path or a URL, and not the ``key value`` lines of a
    configuration file (``auto-reload yes``), which never end in a full stop.
    """
    words = line.split()
    if not words or (len(words) < PROSE_MIN_WORDS and not line.rstrip(_CLOSERS).endswith(_SENTENCE_ENDS)):
        return False
    if "://" in line and len(words) < 4:
        return False
    visible = [char for char in line if not char.isspace()]
    return sum(char.isalpha() for char in visible) / len(visible) >= 0.7


def looks_like_article(text: str) -> bool:
    """Does ``text`` read as an article in the plain-text format, rather than code, data or a licence?

    The first non-blank line must be a plausible title: it has a letter, is at
    most 300 characters, does not start like markup, a comment or code
    (``#``, ``[``, ``{``, ``//``, ``import``, ``def`` ...), does not end like a
    statement (``{ ; , = (``), and is not the name of a software licence. Then,
    up to the comments marker if any, at least one line must be prose (mostly
    letters, and ending in ``. ! ? …`` or :data:`PROSE_MIN_WORDS` words long) and at most :data:`CODE_LINE_SHARE` of the
    lines may be code-like (indented by a tab or four spaces, starting or
    ending like code, or dense with ``{}[]();=<>$#@*_/``). Only the first
    :data:`SHAPE_SCAN_LINES` non-blank lines are looked at.
    """
    lines: list[str] = []
    for raw in text.split("\n"):
        if raw.strip():
            lines.append(raw.rstrip("\r"))
            if len(lines) >= SHAPE_SCAN_LINES:
                break
    if len(lines) < 2:
        return False
    title = clean_line(lines[0])
    if (
        not any(char.isalpha() for char in title)
        or len(title) > 300
        or _NOT_A_TITLE_START.match(title)
        or _NOT_A_TITLE_END.search(title)
        or _LICENCE_TITLE.fullmatch(title)
    ):
        return False
    body: list[str] = []
    for raw in lines[1:]:
        if _COMMENTS_MARKER.match(raw.strip()):
            break
        body.append(raw)
    if not body or not any(_is_prose(clean_line(raw)) and not _is_code_like(raw) for raw in body):
        return False
    code_like = sum(_is_code_like(raw) for raw in body)
    return code_like <= CODE_LINE_SHARE * len(body)
