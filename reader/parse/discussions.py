"""Finding an article's discussions elsewhere: which URLs to ask about, the requests, and reading the answers.

``reader discussions ID`` asks Hacker News, Lobsters, Lemmy and Reddit
whether anyone submitted the article. This module is the part of that
without I/O: the article URLs worth asking about (:func:`lookup_urls`), one
request builder and one answer parser per site, and the URL spelling two
links to one article share (:func:`normalise`, :func:`article_key`). The
service sends the requests through its bounded client and stores the
:class:`~reader.models.ThreadRef` records the parsers return; each is keyed
as the comment-source registry keys that site (``parse/sources/known.py``),
so a discussion found here and one linked by the feed are stored once.

The four sites, and how far each answer is trusted:

* **Hacker News** (Algolia's search, no key): ``restrictSearchableAttributes=url``
  searches the URL *words*, so the answer is fuzzy. It holds stories for
  ``/post-2`` when asked about ``/post``, or for the site's front page.
  A hit is kept only when its ``url`` is the article
  (:func:`article_key` equal to one of the URLs asked about).
* **Lobsters** (``/stories/url/all.json``): the site answers with the
  stories whose *normalised* URL equals the one asked about (its own
  normalising knows arXiv's ``abs``/``pdf`` and YouTube's forms, which this
  module's does not), so its answer is taken as it is.
* **Lemmy** (``/api/v3/search?type_=Url``): 0.19 matches the URL exactly,
  but older servers match it as a substring (``ILIKE %url%``), so hits are
  filtered as Hacker News's are. Deleted and removed posts are left out:
  there is nothing to read. A post id is local to the instance asked, so
  ``api`` is that instance's origin and ``url`` its page of the post.
* **Reddit** (``api/info.json?url=``): an exact match by the site; taken as
  it is. Reddit refuses many clients that are not logged in (403, 429, or a
  web page with status 200): a web page or any JSON but a listing fails
  with one line (:class:`~reader.parse.base.ImportFailure`).

Nothing from an answer reaches a request or a link unchecked: every id
must match a strict pattern, and every discussion URL is built here from
that id (the Reddit one from a permalink whose every part is checked).
Titles pass through :func:`~reader.text.sanitize.clean_line`; a count that
is not a JSON integer (``true`` is none) is unknown, not zero. One answer
yields at most :data:`MAX_REFS` discussions and only its first
:data:`MAX_SCANNED` items are read, however long it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from reader.models import ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources
from reader.text.sanitize import clean_line, json_document, safe_url

#: At most this many discussions from one answer (an honest one has a handful).
MAX_REFS = 50
#: Items of one answer read at most. Algolia sends 20 hits, Lemmy ``limit=20``,
#: Reddit at most 100: this bounds the work for an answer that sends thousands.
MAX_SCANNED = 1000
#: Counts beyond this are not believed (they would overflow SQLite's integers).
_MAX_COUNT = 10**9
#: Titles are cut here: a discussion's title is one line of a list.
_MAX_TITLE = 300

# -- URLs -------------------------------------------------------------------------

#: Query parameters that say who sent the reader or which campaign or mail they
#: clicked, never which document they get: dropped, so a link from a newsletter
#: and the same article's plain URL are one article. All are ad-click ids
#: (Facebook, Google Ads, Microsoft, Yandex, X, TikTok, LinkedIn, Instagram),
#: mail-campaign ids (Mailchimp, HubSpot, Marketo, Vero, Omeda, Sailthru), the
#: Google Analytics linkers, or referral tags (``ref``, ``ref_src``, ``ref_url``:
#: Substack, Ghost, Product Hunt and X add them to every shared link). ``ref``
#: is the one with a risk: a few sites name a real choice with it (a Git
#: branch on some forges); it stays because lookups suffer far more from the
#: referral tag than from that rare clash. Generic names a site may use for its
#: own content (``source``, ``si``, ``s``, ``from``) are kept.
TRACKING_PARAMETERS = frozenset(
    {
        # ad clicks
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        # mail campaigns
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
        "__s",
        # analytics linkers
        "_ga",
        "_gl",
        # referral tags
        "ref",
        "ref_src",
        "ref_url",
    }
)
#: Google Analytics' campaign parameters (``utm_source``, ``utm_medium``, ...): a whole family.
TRACKING_PREFIXES = ("utm_",)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(piece: str) -> bool:
    """True for a ``name=value`` query piece whose name (decoded, any case) is a tracking parameter."""
    name = unquote_plus(piece.partition("=")[0]).lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def normalise(url: str) -> str:
    """``url`` in the spelling two links to one article share; a URL that is not http(s) comes back as it is.

    The fragment, the tracking parameters (:data:`TRACKING_PARAMETERS`,
    ``utm_*``), empty query pieces, leading ``www.`` labels, one trailing
    slash of a path other than ``/`` and the default port are dropped; the
    scheme and host are lower-cased; every other query parameter stays, in
    order and spelled as it was. The path keeps its case and its escapes
    (servers tell ``/Post`` from ``/post``). A path ending in ``//`` keeps
    it: removing one slash would leave one more to remove the next time.
    """
    checked = safe_url(url)
    if checked is None:
        return url
    parts = urlsplit(checked)
    scheme = parts.scheme.lower()
    userinfo, _at, hostport = parts.netloc.rpartition("@")
    host = (parts.hostname or "").lower()
    if host:
        # Every leading "www." while a dotted name remains: "www.www.x.org" would
        # otherwise need two passes, and "www.com" is a name of its own.
        while host.startswith("www.") and "." in host[4:]:
            host = host[4:]
        if hostport.startswith("["):  # an IPv6 (or future) address keeps its brackets
            host = f"[{host}]"
        port = parts.port
        netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
        if _at:
            netloc = f"{userinfo}@{netloc}"
    else:
        netloc = parts.netloc  # no host to normalise ("http://:80/"): left as it is
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/") and not path.endswith("//"):
        path = path[:-1]
    query = "&".join(piece for piece in parts.query.split("&") if piece and not _is_tracking(piece))
    spelled = urlunsplit((scheme, netloc, path, query, ""))
    # A host that only parses as written ("0[::]") can come apart when spelled again: kept as checked.
    return spelled if safe_url(spelled) is not None else checked


def article_key(url: str | None) -> str | None:
    """What two links to one article have in common: :func:`normalise`, ``http`` read as ``https``; None if not http(s).

    The scheme is folded because a story submitted years ago names
    ``http://`` where the article now lives at ``https://`` (Lobsters' own
    matching folds it too).
    """
    if not isinstance(url, str) or safe_url(url) is None:
        return None
    spelled = normalise(url)
    return "https:" + spelled[5:] if spelled.startswith("http:") else spelled


def lookup_urls(url: str, canonical: str | None = None) -> list[str]:
    """The article URLs to ask the sites about, in order, each once.

    The page's canonical URL first (when it is http(s)): it is what people
    copy from the address bar and submit. Then the link as the feed gave it,
    then its :func:`normalise` form: Reddit and Lobsters match a URL exactly
    or nearly so, and a submitter may have removed the tracking parameters
    the feed adds. A link that is not http(s) has nothing to look up.
    """
    found: list[str] = []
    for candidate in (canonical, url, normalise(url)):
        checked = safe_url(candidate)
        if checked is not None and checked not in found:
            found.append(checked)
    return found


def instance_origin(value: str) -> str | None:
    """``scheme://host[:port]`` of a Lemmy instance given as an origin (a trailing ``/`` allowed), else None.

    A path, a query or a user name is refused: each would send the request elsewhere than the instance's API.
    """
    checked = safe_url(value)
    if checked is None:
        return None
    parts = urlsplit(checked)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc or not parts.hostname:
        return None
    # Spelled as the Lemmy source spells an instance (``parse/sources/lemmy.py``), so a post found
    # here and a link to it are one ref; not :func:`normalise`d: "www." is part of an instance's name.
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _encoded(url: str) -> str:
    """``url`` as one query value: every reserved character escaped, so it cannot add a parameter."""
    if safe_url(url) is None:
        raise ValueError("only an http(s) article URL is looked up")
    return quote(url.strip(), safe="")


# -- requests ----------------------------------------------------------------------


def hn_search_url(bases: CommentSources, url: str) -> str:
    """Algolia's search for stories whose URL holds the words of ``url`` (fuzzy: see :func:`parse_hn_search`)."""
    return f"{bases.hn_api}/search?query={_encoded(url)}&restrictSearchableAttributes=url&tags=story"


def lobsters_lookup_url(bases: CommentSources, url: str) -> str:
    """Lobsters' stories of ``url`` (the route ``story_urls#all``: its normalised URL, every match)."""
    return f"{bases.lobsters}/stories/url/all.json?url={_encoded(url)}"


def lemmy_search_url(origin: str, url: str) -> str:
    """A Lemmy instance's posts of ``url``, federated ones too; ``origin`` must be an instance's origin.

    Raises ``ValueError`` for anything but ``scheme://host[:port]``: a path or
    a query there would send the request somewhere else than the API.
    """
    checked = instance_origin(origin)
    if checked is None:
        raise ValueError("a Lemmy instance is named by its origin (https://host)")
    return f"{checked}/api/v3/search?q={_encoded(url)}&type_=Url&listing_type=All&limit=20"


def reddit_info_url(bases: CommentSources, url: str) -> str:
    """Reddit's submissions of ``url`` (``api/info``; ``raw_json=1``: titles without HTML escapes)."""
    return f"{bases.reddit}/api/info.json?url={_encoded(url)}&raw_json=1"


# -- answers -------------------------------------------------------------------------

_HN_ID = re.compile(r"[1-9][0-9]{0,15}")
#: Lobsters' short ids are six lower-case letters and digits; the registry's plan takes any of these.
_LOBSTERS_ID = re.compile(r"[A-Za-z0-9]{1,16}")
#: At most 12 digits: the Lemmy source reads no longer id.
_LEMMY_ID = re.compile(r"[1-9][0-9]{0,11}")
#: A Reddit id is base 36 in lower case.
_REDDIT_ID = re.compile(r"[0-9a-z]{1,13}")
#: ``/r/<subreddit>/comments/<id>/<slug>/``: the only permalink kept (the registry's Reddit plan reads it).
_REDDIT_PERMALINK = re.compile(r"/r/([A-Za-z0-9_]{1,64})/comments/([0-9a-z]{1,13})(?:/([^/?#]{0,300}))?/?")
#: The title slug of a permalink, kept in the link only when it is plain (else the link ends at the id).
_REDDIT_SLUG = re.compile(r"[A-Za-z0-9_-]{1,300}")


def parse_hn_search(data: bytes, urls: Sequence[str]) -> list[ThreadRef]:
    """The Hacker News stories of the article in an answer to :func:`hn_search_url`.

    ``urls`` are the URLs that were looked up (:func:`lookup_urls`). Algolia
    matches URL words, not URLs, so a hit is kept only when its own ``url``
    is one of them (:func:`article_key`); an Ask HN or a comment has none.
    """
    document = _json(data, "Hacker News search")
    hits = document.get("hits") if isinstance(document, dict) else None
    if not isinstance(hits, list):
        raise ImportFailure("expected Hacker News search hits, found other JSON")
    wanted = _keys(urls)
    found: dict[str, ThreadRef] = {}
    for hit in _objects(hits):
        ident = _checked_id(hit.get("objectID"), _HN_ID)
        if ident is None or ident in found or article_key(_string(hit.get("url"))) not in wanted:
            continue
        found[ident] = ThreadRef(
            "hackernews",
            ident,
            f"https://news.ycombinator.com/item?id={ident}",
            title=_title(hit.get("title")),
            points=_count(hit.get("points"), -_MAX_COUNT),
            comment_count=_count(hit.get("num_comments"), 0),
        )
        if len(found) >= MAX_REFS:
            break
    return list(found.values())


def parse_lobsters_lookup(data: bytes) -> list[ThreadRef]:
    """The Lobsters stories in an answer to :func:`lobsters_lookup_url` (a JSON list of stories).

    The discussion's URL is built from the checked short id on lobste.rs,
    as the registry names a Lobsters thread (its fetch reads that URL): the
    answer's ``short_id_url`` and ``comments_url`` are not followed.
    """
    document = _json(data, "Lobsters stories")
    if not isinstance(document, list):
        raise ImportFailure("expected a list of Lobsters stories, found other JSON")
    found: dict[str, ThreadRef] = {}
    for story in _objects(document):
        ident = _checked_id(story.get("short_id"), _LOBSTERS_ID, numbers=False)
        if ident is None or ident in found:
            continue
        found[ident] = ThreadRef(
            "lobsters",
            ident,
            f"https://lobste.rs/s/{ident}",
            title=_title(story.get("title")),
            points=_count(story.get("score"), -_MAX_COUNT),
            comment_count=_count(story.get("comment_count"), 0),
        )
        if len(found) >= MAX_REFS:
            break
    return list(found.values())


def parse_lemmy_search(data: bytes, origin: str, urls: Sequence[str]) -> list[ThreadRef]:
    """The Lemmy posts of the article in an answer to :func:`lemmy_search_url` asked of ``origin``.

    Each post is named by its id *on the instance asked* (``api`` is that
    instance's origin, ``url`` its page of the post): ``post.ap_id``, the
    post's address on its home instance, has another id there. Posts whose
    ``post.url`` is not the article (older servers match substrings), and
    deleted or removed posts, are left out.
    """
    checked = instance_origin(origin)
    if checked is None:
        raise ValueError("a Lemmy instance is named by its origin (https://host)")
    document = _json(data, "Lemmy search")
    posts = document.get("posts") if isinstance(document, dict) else None
    if not isinstance(posts, list):
        raise ImportFailure("expected a Lemmy search answer with posts, found other JSON")
    wanted = _keys(urls)
    found: dict[str, ThreadRef] = {}
    for view in _objects(posts):
        post, counts = view.get("post"), view.get("counts")
        if not isinstance(post, dict) or post.get("deleted") is True or post.get("removed") is True:
            continue
        ident = _checked_id(post.get("id"), _LEMMY_ID, strings=False)
        if ident is None or ident in found or article_key(_string(post.get("url"))) not in wanted:
            continue
        counts = counts if isinstance(counts, dict) else {}
        found[ident] = ThreadRef(
            "lemmy",
            ident,
            f"{checked}/post/{ident}",
            api=checked,
            title=_title(post.get("name")),
            points=_count(counts.get("score"), -_MAX_COUNT),
            comment_count=_count(counts.get("comments"), 0),
        )
        if len(found) >= MAX_REFS:
            break
    return list(found.values())


def parse_reddit_info(data: bytes) -> list[ThreadRef]:
    """The Reddit posts in an answer to :func:`reddit_info_url` (a Listing of ``t3`` things).

    A web page (Reddit's answer to a client it refuses, sometimes with status
    200) and any JSON but a listing raise :class:`ImportFailure` in one line.
    A post is kept only with a permalink ``/r/<sub>/comments/<its id>/...``:
    its URL, on www.reddit.com, is made from the checked parts of it.
    """
    if _looks_like_html(data):
        raise ImportFailure("Reddit answered with a web page, not JSON (it refuses many clients not logged in)")
    document = _json(data, "Reddit info")
    if not isinstance(document, dict) or document.get("kind") != "Listing":
        raise ImportFailure("expected a Reddit listing, found other JSON")
    body = document.get("data")
    children = body.get("children") if isinstance(body, dict) else None
    if not isinstance(children, list):
        raise ImportFailure("expected a Reddit listing, found other JSON")
    found: dict[str, ThreadRef] = {}
    for thing in _objects(children):
        post = thing.get("data")
        if thing.get("kind") != "t3" or not isinstance(post, dict):
            continue
        ident = _checked_id(post.get("id"), _REDDIT_ID, numbers=False)
        permalink = _string(post.get("permalink"))
        match = _REDDIT_PERMALINK.fullmatch(permalink) if permalink is not None else None
        if ident is None or ident in found or match is None or match.group(2) != ident:
            continue
        subreddit, _same, slug = match.groups()
        plain = slug is not None and _REDDIT_SLUG.fullmatch(slug) is not None
        found[ident] = ThreadRef(
            "reddit",
            ident,
            f"https://www.reddit.com/r/{subreddit}/comments/{ident}/" + (f"{slug}/" if plain else ""),
            title=_title(post.get("title")),
            points=_count(post.get("score"), -_MAX_COUNT),
            comment_count=_count(post.get("num_comments"), 0),
        )
        if len(found) >= MAX_REFS:
            break
    return list(found.values())


# -- pieces ----------------------------------------------------------------------------


def _looks_like_html(data: bytes) -> bool:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _json(data: bytes, label: str) -> Any:
    """The JSON document of an answer; a web page or anything else is one line of :class:`ImportFailure`."""
    if _looks_like_html(data):
        raise ImportFailure(f"expected {label} JSON, found a web page")
    try:
        return json_document(data)
    except (ValueError, RecursionError):
        raise ImportFailure(f"expected {label} JSON, found something else") from None


def _objects(items: list[Any]) -> Iterable[dict[str, Any]]:
    """The JSON objects among the first :data:`MAX_SCANNED` items (answers send odd shapes)."""
    return (item for item in items[:MAX_SCANNED] if isinstance(item, dict))


def _keys(urls: Iterable[str]) -> set[str]:
    return {key for key in (article_key(url) for url in urls) if key is not None}


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _checked_id(value: object, pattern: re.Pattern[str], *, numbers: bool = True, strings: bool = True) -> str | None:
    """``value`` as an id when it fully matches ``pattern`` (a JSON string, or number where allowed), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and numbers:
        text = str(value)
    elif isinstance(value, str) and strings:
        text = value
    else:
        return None
    return text if pattern.fullmatch(text) else None


def _title(value: object) -> str:
    # Cut before cleaning too: cleaning a megabyte to keep 300 characters is wasted work.
    return clean_line(value[: _MAX_TITLE * 4])[:_MAX_TITLE] if isinstance(value, str) else ""


def _count(value: object, lowest: int) -> int | None:
    """A JSON integer from ``lowest`` to 10^9; anything else (``true``, ``"12"``, ``1.5``) is unknown."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if lowest <= value <= _MAX_COUNT else None
