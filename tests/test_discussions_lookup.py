"""Finding an article's discussions on Hacker News, Lobsters, Lemmy and Reddit (``reader/parse/discussions.py``).

Every lookup request a builder makes is sent through the real HTTP client to a
loopback server, which records it: the article URL must arrive as the one
query value it was, whatever it holds (``&``, ``+``, ``#``, ``%2F``, non-ASCII).
The answers it serves:

* Hacker News: Algolia search answers recorded in 2014 (the ``shared`` corpus,
  ``node-hacker-news-api``; each file pair holds the reply as parsed JSON, so it
  is served re-encoded, not byte for byte), and one built by hand
  (``tests/fixtures/discussions``) with the near misses a fuzzy search returns.
* Lobsters: a lookup answer is a list of stories; the test builds it from the
  recorded story objects of the corpus (``compose-lobsters``), without their
  comments, as ``/stories/url/all.json`` presents stories.
* Lemmy and Reddit: answers built by hand from the published types
  (``tests/fixtures/discussions/README.md``).

Hostile answers (web pages, wrong JSON types, thousands of hits, ids built to
leave the site) must give a bounded list or one line of ImportFailure.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import pytest
from feedserver import FeedServer, ok
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reader.models import ThreadRef
from reader.net.http import Limits, get, make_client
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources
from reader.parse.discussions import (
    MAX_REFS,
    TRACKING_PARAMETERS,
    article_key,
    hn_search_url,
    instance_origin,
    lemmy_search_url,
    lobsters_lookup_url,
    lookup_urls,
    normalise,
    parse_hn_search,
    parse_lemmy_search,
    parse_lobsters_lookup,
    parse_reddit_info,
    reddit_info_url,
)
from reader.parse.sources import thread_for_url
from reader.service.threads import fetch_thread
from reader.text.sanitize import safe_url

FIXTURES = Path(__file__).parent / "fixtures" / "discussions"
HN_RECORDED = "corpus/comments/hackernews/node-hacker-news-api/test/fixtures/fixtures.json"
LOBSTERS = "corpus/comments/lobsters/compose-lobsters"
STRACE_STORY = f"{LOBSTERS}/ca88d627/api/src/test/resources/post_details_d9ucpe.json"
META_STORY = f"{LOBSTERS}/e81e28c3/api/src/test/resources/post_details_tdfoqh.json"

#: The article of the Lobsters story d9ucpe, which the built answers are about too.
ARTICLE = "https://jvns.ca/blog/2021/04/03/what-problems-do-people-solve-with-strace/"
#: A link with everything a query value must carry intact.
TRICKY = "https://Jvns.ca/blog/caf%C3%A9/ü?a=1&b=x+y%2Fz&utm_source=hn;c=d&e=%26#frag"

LIMITS = Limits(total_seconds=10)


def bases(server: FeedServer) -> CommentSources:
    return CommentSources(hn_api=server.url("/api/v1"), reddit=server.base, lobsters=server.base)


def fetch(*urls: str) -> list[bytes]:
    """The bodies of ``urls``, asked in turn through the real client; each answer must be a 200."""

    async def run() -> list[bytes]:
        bodies: list[bytes] = []
        async with make_client(LIMITS, environ={}) as client:
            for url in urls:
                response = await get(client, url, headers={"Accept": "application/json"}, limits=LIMITS)
                assert response.status == 200, (url, response.status)
                bodies.append(response.body)
        return bodies

    return asyncio.run(run())


def asked(server: FeedServer, path: str) -> list[dict[str, list[str]]]:
    """The decoded query of each request the server received at ``path``, in order."""
    return [parse_qs(urlsplit(r.path).query, keep_blank_values=True) for r in server.requests_for(path)]


def merged(*answers: list[ThreadRef]) -> list[ThreadRef]:
    """The refs of several lookups, each discussion once (as the service keeps them)."""
    found: dict[tuple[str, str], ThreadRef] = {}
    for refs in answers:
        for ref in refs:
            found.setdefault((ref.source, ref.remote_id), ref)
    return list(found.values())


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def recorded_search(shared: Path, url: str) -> bytes:
    """The recorded Algolia reply to ``url``, encoded again as JSON."""
    pairs = json.loads((shared / HN_RECORDED).read_bytes())
    return json.dumps(next(pair["reply"] for pair in pairs if pair["url"] == url)).encode()


def one_line_failure(parse: Callable[[], object]) -> str:
    with pytest.raises(ImportFailure) as failure:
        parse()
    message = str(failure.value)
    assert message and "\n" not in message and len(message) < 200
    return message


# -- which URLs are looked up ----------------------------------------------------------


def test_lookups_ask_for_the_canonical_url_then_the_link_then_its_normal_form() -> None:
    link = "https://www.jvns.ca/blog/2021/04/03/what-problems-do-people-solve-with-strace/?utm_source=rss#comments"
    assert lookup_urls(link, ARTICLE) == [
        ARTICLE,
        link,
        "https://jvns.ca/blog/2021/04/03/what-problems-do-people-solve-with-strace",
    ]
    # A clean link is asked about once; so is a canonical URL equal to the link.
    assert lookup_urls("https://jvns.ca/blog/post") == ["https://jvns.ca/blog/post"]
    assert lookup_urls("https://jvns.ca/blog/post", "https://jvns.ca/blog/post") == ["https://jvns.ca/blog/post"]
    # A canonical URL that is not http(s) (relative, javascript:) is not asked about; nor is such a link.
    assert lookup_urls("https://jvns.ca/a/", "/a/") == ["https://jvns.ca/a/", "https://jvns.ca/a"]
    assert lookup_urls("https://jvns.ca/a", "javascript:alert(1)") == ["https://jvns.ca/a"]
    assert lookup_urls("file:///etc/passwd", None) == []
    assert lookup_urls("mailto:me@example.org", "https://example.org/post") == ["https://example.org/post"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://WWW.Example.ORG/Post/?utm_source=rss&utm_Medium=feed", "https://example.org/Post"),
        ("https://example.org/a?id=3&fbclid=IwAR0x&page=2#top", "https://example.org/a?id=3&page=2"),
        ("https://example.org/a?ref=hn&ref_src=twsrc%5Etfw&mc_cid=1&mc_eid=2", "https://example.org/a"),
        ("https://example.org/a?_hsenc=p2&_hsmi=9&mkt_tok=abc&gclid=x&igshid=y&yclid=z", "https://example.org/a"),
        ("https://example.org/a?utm%5Fsource=x&q=a+b&empty=&&flag", "https://example.org/a?q=a+b&empty=&flag"),
        ("http://example.org:80/", "http://example.org/"),
        ("https://example.org:443", "https://example.org/"),
        ("http://example.org:443/", "http://example.org:443/"),
        ("https://www.www.example.org/a//", "https://example.org/a//"),
        ("https://www.com/", "https://www.com/"),
        ("https://[2001:DB8::1]:443/x/", "https://[2001:db8::1]/x"),
        ("https://example.org/?source=rss&si=abc", "https://example.org/?source=rss&si=abc"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
    ],
)
def test_normalise_drops_what_names_no_document_and_keeps_what_does(given: str, expected: str) -> None:
    assert normalise(given) == expected


# -- properties of normalise -------------------------------------------------------------

_SCHEMES = st.sampled_from(["http", "https", "HTTP", "hTTps"])
_HOSTS = st.sampled_from(
    [
        "example.org",
        "www.example.org",
        "WWW.Example.ORG",
        "www.www.example.org",
        "www.com",
        "127.0.0.1",
        "[::1]",
        "[2001:DB8::1]",
        "café.example",
    ]
)
_PORTS = st.sampled_from(["", ":", ":80", ":443", ":8080"])
_USERS = st.sampled_from(["", "user@", "u:p@"])
_PIECE = st.text(alphabet="aZ09-._~%+/:é =?;", max_size=5).map(lambda text: quote(text, safe="%+/:;=?"))
_PATHS = st.one_of(
    st.just(""),
    st.lists(_PIECE, max_size=4).map(lambda segments: "/" + "/".join(segments)),
)
_TRACKING_NAMES = [
    "utm_source",
    "UTM_Medium",
    "utm%5Fcampaign",
    "fbclid",
    "gclid",
    "ref",
    "Ref_Src",
    "mc_cid",
    "_hsenc",
]
_NAMES = st.sampled_from([*_TRACKING_NAMES, "id", "page", "q", "refs", "reference", "utm", "x_utm_source", "p", ""])
_PARAMS = st.lists(st.tuples(_NAMES, st.booleans(), _PIECE), max_size=5)
_FRAGMENTS = st.sampled_from(["", "#", "#top", "#a?b=c&d"])


def _query(params: list[tuple[str, bool, str]]) -> str:
    return "&".join(f"{name}={value}" if has_value else name for name, has_value, value in params)


def _url(scheme: str, user: str, host: str, port: str, path: str, query: str, fragment: str) -> str:
    return f"{scheme}://{user}{host}{port}{path}{'?' + query if query else ''}{fragment}"


_URLS = st.builds(_url, _SCHEMES, _USERS, _HOSTS, _PORTS, _PATHS, _PARAMS.map(_query), _FRAGMENTS)
_ANYTHING = st.one_of(
    _URLS,
    st.text(max_size=40),
    st.text(max_size=40).map(lambda text: "http://" + text),
    st.text(alphabet="[]:@/?#%.wW0aé", max_size=30).map(lambda text: "https://" + text),
)


def _kept(query: str) -> list[tuple[str, str]]:
    """The query's parameters that are not tracking ones, decoded, in order."""
    return [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if name.lower() not in TRACKING_PARAMETERS and not name.lower().startswith("utm_")
    ]


@settings(max_examples=400, deadline=None)
@given(url=_ANYTHING)
def test_normalise_is_idempotent(url: str) -> None:
    once = normalise(url)
    assert normalise(once) == once


@settings(max_examples=400, deadline=None)
@given(url=_ANYTHING)
@example(url="HTTP://0[::]")  # found by a local run: a host that parsed once came apart spelled again
def test_normalise_keeps_an_http_url_an_http_url(url: str) -> None:
    if safe_url(url) is None:
        assert normalise(url) == url  # nothing it can read: left as it is
        return
    result = normalise(url)
    assert safe_url(result) is not None
    assert urlsplit(result).scheme == urlsplit(url.strip()).scheme.lower()


@settings(max_examples=600, deadline=None)
@given(
    scheme=_SCHEMES,
    user=_USERS,
    host=_HOSTS,
    port=_PORTS,
    path=_PATHS,
    other_path=st.one_of(st.just(None), st.just("/"), _PATHS),
    params=_PARAMS,
    other_params=st.one_of(st.just(None), _PARAMS),
    fragments=st.tuples(_FRAGMENTS, _FRAGMENTS),
)
def test_normalise_never_merges_two_documents(
    scheme: str,
    user: str,
    host: str,
    port: str,
    path: str,
    other_path: str | None,
    params: list[tuple[str, bool, str]],
    other_params: list[tuple[str, bool, str]] | None,
    fragments: tuple[str, str],
) -> None:
    # The second URL: often the same path with a slash more, the same parameters with tracking ones mixed in.
    path2 = path + "/" if other_path == "/" else (other_path if other_path is not None else path)
    if other_params is None:
        other_params = [
            p for pair in zip(params, [("utm_term", True, "x"), ("fbclid", False, "")], strict=False) for p in pair
        ]
    query, query2 = _query(params), _query(other_params)
    first = _url(scheme, user, host, port, path, query, fragments[0])
    second = _url(scheme, user, host, port, path2, query2, fragments[1])
    if normalise(first) == normalise(second):
        # As the URLs read (a "?" the path strategy drew starts the query): the paths and queries they have.
        one, two = urlsplit(first), urlsplit(second)
        assert one.path == two.path or one.path + "/" == two.path or two.path + "/" == one.path, (first, second)
        assert _kept(one.query) == _kept(two.query), (first, second)


def test_article_key_reads_http_as_https_and_nothing_else_as_an_article() -> None:
    assert article_key("http://www.jvns.ca/blog/post/") == article_key("https://jvns.ca/blog/post") is not None
    assert article_key("https://jvns.ca/blog/post?page=2") != article_key("https://jvns.ca/blog/post")
    assert article_key("ftp://jvns.ca/blog/post") is None
    assert article_key(None) is None


# -- the requests, as the server receives them -------------------------------------------


#: Each site's request: its path, the article URL's parameter, the other parameters, the builder.
REQUESTS: dict[str, tuple[str, str, dict[str, list[str]], Callable[[FeedServer, str], str]]] = {
    "hackernews": (
        "/api/v1/search",
        "query",
        {"restrictSearchableAttributes": ["url"], "tags": ["story"]},
        lambda server, url: hn_search_url(bases(server), url),
    ),
    "lobsters": ("/stories/url/all.json", "url", {}, lambda server, url: lobsters_lookup_url(bases(server), url)),
    "lemmy": (
        "/api/v3/search",
        "q",
        {"type_": ["Url"], "listing_type": ["All"], "limit": ["20"]},
        lambda server, url: lemmy_search_url(server.base + "/", url),
    ),
    "reddit": ("/api/info.json", "url", {"raw_json": ["1"]}, lambda server, url: reddit_info_url(bases(server), url)),
}


@pytest.mark.parametrize("site", sorted(REQUESTS))
def test_each_request_carries_the_article_url_as_one_intact_value(site: str, server: FeedServer) -> None:
    path, name, others, build = REQUESTS[site]
    server.route(path, ok(b"[]", "application/json"))

    assert fetch(build(server, TRICKY), build(server, ARTICLE)) == [b"[]", b"[]"]

    # The server reads back exactly the URL looked up, and nothing else was added to the request.
    assert asked(server, path) == [{name: [TRICKY], **others}, {name: [ARTICLE], **others}]


def test_a_builder_takes_only_an_http_article_url_and_lemmy_only_an_origin(server: FeedServer) -> None:
    with pytest.raises(ValueError):
        hn_search_url(bases(server), "javascript:alert(1)")
    with pytest.raises(ValueError):
        reddit_info_url(bases(server), "https://example.org/a b")
    # A path, a query or a user in the instance's name would send the request elsewhere than its API.
    for origin in ("https://lemmy.world/api", "https://lemmy.world?x=1", "https://me@lemmy.world", "lemmy.world"):
        assert instance_origin(origin) is None
        with pytest.raises(ValueError):
            lemmy_search_url(origin, ARTICLE)
    # Spelled as the Lemmy source spells an instance, so a post found here and a link to it are one ref.
    assert instance_origin("HTTPS://Lemmy.World:8536/") == "https://lemmy.world:8536"
    assert instance_origin("https://www.lemmy.example") == "https://www.lemmy.example"
    assert lemmy_search_url("http://127.0.0.1:8536", ARTICLE).startswith("http://127.0.0.1:8536/api/v3/search?q=")


# -- Hacker News ---------------------------------------------------------------------------


def test_hacker_news_finds_the_recorded_story_of_the_article(shared: Path, server: FeedServer) -> None:
    server.route("/api/v1/search", ok(recorded_search(shared, "/api/v1/search?hitsPerPage=1&tags=(story)")))
    link = "https://www.apple.com/stevejobs/?utm_source=feedburner&utm_medium=feed#tribute"
    urls = lookup_urls(link, "https://www.apple.com/stevejobs/")

    answers = fetch(*(hn_search_url(bases(server), url) for url in urls))
    refs = merged(*(parse_hn_search(body, urls) for body in answers))

    assert refs == [
        ThreadRef(
            "hackernews",
            "3078128",
            "https://news.ycombinator.com/item?id=3078128",
            title="Steve Jobs has passed away.",
            points=4271,
            comment_count=376,
        )
    ]
    assert [query["query"] for query in asked(server, "/api/v1/search")] == [[url] for url in urls]
    # The registry reads the thread of this ref as it reads a link to it: the same source and id.
    found = thread_for_url(refs[0].url, bases(server))
    assert found is not None and (found.source, found.remote_id) == ("hackernews", "3078128")


def test_a_recorded_story_of_another_page_of_the_same_site_is_no_discussion_of_the_article(shared: Path) -> None:
    jobs = recorded_search(shared, "/api/v1/search?hitsPerPage=1&tags=(story)")
    resigns = recorded_search(shared, "/api/v1/search?hitsPerPage=1&tags=(story)&query=apple")
    # Algolia answers "apple.com/stevejobs/tribute" with the stevejobs story: the words match, the URL does not.
    assert parse_hn_search(jobs, lookup_urls("https://www.apple.com/stevejobs/tribute/")) == []
    # The Yahoo story's URL keeps its own query (?x=0&.v=1): without it, it is another address.
    story = "http://finance.yahoo.com/news/Steve-Jobs-Resigns-as-CEO-of-bw-19285464.html"
    assert parse_hn_search(resigns, lookup_urls(story)) == []
    refs = parse_hn_search(resigns, lookup_urls(story.replace("http:", "https:") + "?x=0&.v=1&utm_source=x"))
    assert [(r.remote_id, r.title, r.points, r.comment_count) for r in refs] == [
        ("2922756", "Steve Jobs Resigns as CEO of Apple", 1638, 308)
    ]


def test_every_recorded_algolia_answer_reads_to_its_story_or_to_nothing(shared: Path) -> None:
    pairs = json.loads((shared / HN_RECORDED).read_bytes())
    searches = [pair for pair in pairs if "/search" in pair["url"]]
    assert len(searches) == 24
    stories = 0
    for pair in searches:
        (hit,) = pair["reply"]["hits"]
        link = hit.get("url") or ""
        urls = lookup_urls(link) or ["https://example.org/an-article"]
        refs = parse_hn_search(json.dumps(pair["reply"]).encode(), urls)
        if safe_url(link) is None:
            # Comments, polls and Ask HN stories link nowhere: no article's discussion.
            assert refs == [], pair["url"]
            continue
        stories += 1
        assert [(r.source, r.remote_id, r.url, r.title, r.points, r.comment_count) for r in refs] == [
            (
                "hackernews",
                hit["objectID"],
                f"https://news.ycombinator.com/item?id={hit['objectID']}",
                hit["title"],
                hit["points"],
                hit["num_comments"],
            )
        ], pair["url"]
    assert stories == 9


def test_a_fuzzy_search_keeps_only_the_hits_that_are_the_article(server: FeedServer) -> None:
    server.route("/api/v1/search", ok(fixture("hn_search_near_misses.json"), "application/json"))
    urls = lookup_urls(ARTICLE)

    refs = parse_hn_search(fetch(hn_search_url(bases(server), ARTICLE))[0], urls)

    # Not the front page, another post, the post's page 2, or an Ask HN without a URL.
    assert [(r.remote_id, r.title, r.points, r.comment_count) for r in refs] == [
        ("26681234", "What problems do people solve with strace?", 142, 31),
        ("26790005", "What problems do people solve with strace? (2021)", 11, 3),
    ]


# -- Lobsters ---------------------------------------------------------------------------------


def _story(shared: Path, path: str) -> dict[str, Any]:
    """A recorded story as the URL lookup presents it: the story without its comments."""
    story = json.loads((shared / path).read_bytes())
    story.pop("comments")
    assert isinstance(story, dict)
    return story


def test_lobsters_finds_the_recorded_story_and_the_registry_reads_its_thread(shared: Path, server: FeedServer) -> None:
    answer = json.dumps([_story(shared, STRACE_STORY)]).encode()
    server.route("/stories/url/all.json", ok(answer, "application/json"))
    server.route("/s/d9ucpe.json", ok((shared / STRACE_STORY).read_bytes(), "application/json"))

    refs = parse_lobsters_lookup(fetch(lobsters_lookup_url(bases(server), ARTICLE))[0])

    assert refs == [
        ThreadRef(
            "lobsters",
            "d9ucpe",
            "https://lobste.rs/s/d9ucpe",
            title="What problems do people solve with strace?",
            points=18,
            comment_count=7,
        )
    ]
    assert asked(server, "/stories/url/all.json") == [{"url": [ARTICLE]}]

    async def thread() -> list[str]:
        async with make_client(LIMITS, environ={}) as client:
            parsed = await fetch_thread(refs[0], client, LIMITS, bases(server), now=1_700_000_000)
            return [comment.guid for comment in parsed.comments]

    # The ref names the thread as the registry does: its fetch reads the story's seven comments.
    assert len(asyncio.run(thread())) == 7


def test_a_lobsters_answer_of_several_stories_gives_each_once(shared: Path) -> None:
    newer, older = (
        _story(shared, META_STORY),
        _story(shared, f"{LOBSTERS}/f16ae4ff/api/src/test/resources/post_details_tdfoqh.json"),
    )
    answer = json.dumps([newer, _story(shared, STRACE_STORY), older]).encode()

    refs = parse_lobsters_lookup(answer)

    assert [(r.remote_id, r.title, r.points, r.comment_count) for r in refs] == [
        ("tdfoqh", "Ranking comments by sum of replies' scores", 18, 10),
        ("d9ucpe", "What problems do people solve with strace?", 18, 7),
    ]


# -- Lemmy ------------------------------------------------------------------------------------


def test_lemmy_finds_the_posts_of_the_article_on_the_instance_asked(server: FeedServer) -> None:
    server.route("/api/v3/search", ok(fixture("lemmy_search.json"), "application/json"))
    urls = lookup_urls(ARTICLE)

    refs = parse_lemmy_search(fetch(lemmy_search_url(server.base, ARTICLE))[0], server.base, urls)

    # Not the archive link that holds the article's URL, nor the deleted and the removed post.
    assert refs == [
        ThreadRef(
            "lemmy",
            "11842",
            f"{server.base}/post/11842",
            api=server.base,
            title="What problems do people solve with strace?",
            points=41,
            comment_count=9,
        ),
        ThreadRef(
            "lemmy",
            "11901",
            f"{server.base}/post/11901",
            api=server.base,
            title="Julia Evans on strace",
            points=-2,
            comment_count=0,
        ),
    ]


# -- Reddit -----------------------------------------------------------------------------------


def test_reddit_finds_the_submissions_of_the_article(server: FeedServer) -> None:
    server.route("/api/info.json", ok(fixture("reddit_info.json"), "application/json"))

    refs = parse_reddit_info(fetch(reddit_info_url(bases(server), ARTICLE))[0])

    assert refs == [
        ThreadRef(
            "reddit",
            "mj4k2p",
            "https://www.reddit.com/r/programming/comments/mj4k2p/what_problems_do_people_solve_with_strace/",
            title="What problems do people solve with strace?",
            points=212,
            comment_count=48,
        ),
        ThreadRef(
            "reddit",
            "mj9q0z",
            "https://www.reddit.com/r/linux/comments/mj9q0z/what_problems_do_people_solve_with_strace/",
            title="What problems do people solve with strace? (Julia Evans)",
            points=35,
            comment_count=7,
        ),
    ]
    found = thread_for_url(refs[0].url, bases(server))
    assert found is not None and (found.source, found.remote_id) == ("reddit", "mj4k2p")


def test_reddit_refusing_a_client_is_one_line(server: FeedServer) -> None:
    page = b"<!doctype html><html><body>whoa there, pardner! Your request has been blocked</body></html>"
    server.route("/api/info.json", ok(page, "text/html"))
    # A refusal with status 200: the parser says what it is.
    (body,) = fetch(reddit_info_url(bases(server), ARTICLE))
    assert "web page" in one_line_failure(lambda: parse_reddit_info(body))
    # JSON that is no listing: an error object, a comment thread's pair of listings.
    assert "listing" in one_line_failure(lambda: parse_reddit_info(b'{"message": "Too Many Requests", "error": 429}'))
    assert "listing" in one_line_failure(lambda: parse_reddit_info(b'[{"kind": "Listing"}, {"kind": "Listing"}]'))


# -- hostile answers ----------------------------------------------------------------------------

_ORIGIN = "https://lemmy.example"
PARSERS: dict[str, Callable[[bytes], list[ThreadRef]]] = {
    "hackernews": lambda data: parse_hn_search(data, [ARTICLE]),
    "lobsters": parse_lobsters_lookup,
    "lemmy": lambda data: parse_lemmy_search(data, _ORIGIN, [ARTICLE]),
    "reddit": parse_reddit_info,
}
#: How each site is named in the one line of its failures.
SITE_NAMES = {"hackernews": "Hacker News", "lobsters": "Lobsters", "lemmy": "Lemmy", "reddit": "Reddit"}
#: For each parser, a document of the right JSON kind that is still not its answer.
WRONG_SHAPE = {
    "hackernews": [b'{"hits": {"0": {}}}', b"[]", b'{"message": "rate limited"}'],
    "lobsters": [b"{}", b'{"error": "not found"}', b'"d9ucpe"'],
    "lemmy": [b'{"posts": "many"}', b'{"error": "couldnt_find_object"}', b"[]"],
    "reddit": [b'{"kind": "Listing", "data": {"children": {}}}', b'{"kind": "t3"}', b"[]"],
}


@pytest.mark.parametrize("site", sorted(PARSERS))
@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>",
        b"\n\n  <html>rate limited</html>",
        b"",
        b"null",
        b"12",
        b"[" * 100_000,
        b"\xff\xfe\x00\x00not json",
        b'{"hits": [',
    ],
)
def test_an_answer_that_is_no_json_or_not_the_sites_fails_in_one_line(site: str, body: bytes) -> None:
    named = SITE_NAMES[site]
    message = one_line_failure(lambda: PARSERS[site](body))
    # The line names the site asked, so a user knows which of the four refused.
    assert named in message, message
    if body.lstrip().startswith(b"<"):
        assert "web page" in message
    for wrong in WRONG_SHAPE[site]:
        message = one_line_failure(lambda: PARSERS[site](wrong))  # noqa: B023  # called at once, inside the loop
        assert named in message and "found other JSON" in message, message


ESCAPE = "\x1b]52;c;cm0gLXJmIH4=\x07\u202e"


def _hostile_items(site: str) -> tuple[list[Any], list[tuple[str, str, int | None, int | None]]]:
    """Items with wrong types and ids built to leave the site, and the refs that must come out of them."""
    ids: list[Any] = [True, 12.0, None, [1], {"id": 1}, "12 OR 1=1", "../../x", "", "1/../2", "https://evil"]
    counts: dict[str, Any] = {"true": True, "string": "12", "float": 1.5, "negative": -1, "huge": 10**12}
    if site == "hackernews":
        items: list[Any] = [1, "x", None, *({"objectID": i, "url": ARTICLE, "title": "bad"} for i in ids)]
        items += [
            {"objectID": "123", "url": 5, "title": "url not a string"},
            {"objectID": "124", "url": ARTICLE, "title": ESCAPE + "Title", "points": True, "num_comments": "3"},
            {"objectID": 125, "url": ARTICLE, "title": ["x"], "points": -3, "num_comments": 10**12},
        ]
        return items, [("124", "␛]52;c;cm0gLXJmIH4=␇Title", None, None), ("125", "", -3, None)]
    if site == "lobsters":
        items = [1, None, *({"short_id": i, "title": "bad"} for i in [*ids, 123456, "abc$def", "a" * 17])]
        items += [
            {"short_id": "abc123", "title": ESCAPE + "Title", "score": 1.5, "comment_count": -1},
            {"short_id": "abc124", "title": None, "score": 10**12, "comment_count": True},
        ]
        return items, [("abc123", "␛]52;c;cm0gLXJmIH4=␇Title", None, None), ("abc124", "", None, None)]
    if site == "lemmy":
        items = [1, {"post": "x"}, *({"post": {"id": i, "url": ARTICLE, "name": "bad"}} for i in [*ids, "12", 0, -5])]
        items += [
            {"post": {"id": 77, "url": ARTICLE, "name": ESCAPE + "Title"}, "counts": {"score": "9", "comments": True}},
            {"post": {"id": 78, "url": ARTICLE, "name": 5, "deleted": "yes"}, "counts": [1, 2]},
        ]
        return items, [("77", "␛]52;c;cm0gLXJmIH4=␇Title", None, None), ("78", "", None, None)]
    bad_permalinks = [
        "/r/x/comments/abc/../../../evil",
        "https://evil.example/r/x/comments/abc/",
        "/r/x/comments/zzz999/other_post/",
        "//evil.example/r/x/comments/abc/",
        None,
    ]
    items = [
        1,
        {"kind": "t1", "data": {"id": "abc", "permalink": "/r/x/comments/abc/"}},
        *({"kind": "t3", "data": {"id": i, "permalink": "/r/x/comments/abc/"}} for i in [*ids, "ABC", 123]),
        *({"kind": "t3", "data": {"id": "abc", "permalink": p}} for p in bad_permalinks),
        {"kind": "t3", "data": {"id": "abc", "title": ESCAPE + "Title", "permalink": "/r/x/comments/abc/sl%2Fug/"}},
        {"kind": "t3", "data": {"id": "abd", "title": 1, "score": counts["float"], "permalink": "/r/x/comments/abd"}},
    ]
    return items, [("abc", "␛]52;c;cm0gLXJmIH4=␇Title", None, None), ("abd", "", None, None)]


def _answer(site: str, items: list[Any]) -> bytes:
    if site == "hackernews":
        return json.dumps({"hits": items}).encode()
    if site == "lobsters":
        return json.dumps(items).encode()
    if site == "lemmy":
        return json.dumps({"posts": items}).encode()
    return json.dumps({"kind": "Listing", "data": {"children": items}}).encode()


@pytest.mark.parametrize("site", sorted(PARSERS))
def test_wrong_types_and_ids_that_leave_the_site_are_skipped_and_odd_counts_unknown(site: str) -> None:
    items, expected = _hostile_items(site)

    refs = PARSERS[site](_answer(site, items))

    assert [(r.remote_id, r.title, r.points, r.comment_count) for r in refs] == expected
    for ref in refs:
        # Every link is the site's own page of a checked id.
        assert re.fullmatch(
            r"https://(news\.ycombinator\.com/item\?id=[0-9]+|lobste\.rs/s/[a-z0-9]+"
            r"|lemmy\.example/post/[0-9]+|www\.reddit\.com/r/x/comments/[a-z0-9]+/)",
            ref.url,
        ), ref.url
        assert ref.api == (_ORIGIN if site == "lemmy" else "")


def _many(site: str, count: int, same: bool = False) -> bytes:
    def ident(n: int) -> int:
        return 1000 if same else 1000 + n

    if site == "hackernews":
        return _answer(site, [{"objectID": str(ident(n)), "url": ARTICLE, "title": "t"} for n in range(count)])
    if site == "lobsters":
        return _answer(site, [{"short_id": f"s{ident(n)}", "title": "t"} for n in range(count)])
    if site == "lemmy":
        return _answer(site, [{"post": {"id": ident(n), "url": ARTICLE, "name": "t"}} for n in range(count)])
    posts = [
        {"kind": "t3", "data": {"id": f"p{ident(n)}", "title": "t", "permalink": f"/r/x/comments/p{ident(n)}/"}}
        for n in range(count)
    ]
    return _answer(site, posts)


@pytest.mark.parametrize("site", sorted(PARSERS))
def test_an_answer_of_5000_discussions_gives_the_first_50(site: str) -> None:
    refs = PARSERS[site](_many(site, 5000))
    assert len(refs) == MAX_REFS == 50
    assert [ref.remote_id.lstrip("sp") for ref in refs] == [str(1000 + n) for n in range(50)]
    # The same discussion 5,000 times is one discussion.
    assert len(PARSERS[site](_many(site, 5000, same=True))) == 1


def test_a_title_is_one_clean_line_of_bounded_length() -> None:
    hit = {"objectID": "1", "url": ARTICLE, "title": "Line one\nline\ttwo \u2028 " + "x" * 10_000}
    (ref,) = parse_hn_search(json.dumps({"hits": [hit]}).encode(), [ARTICLE])
    assert ref.title.startswith("Line one line two x") and len(ref.title) == 300


def test_the_lookup_reads_the_configured_lemmy_instance_as_the_lemmy_source_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by review: discussions.lemmy = "lemmy.world" was an instance to the source (its post links
    were threads) but the lookup skipped Lemmy, and an http:// instance the other way round."""
    from reader.parse.sources.lemmy import lemmy_instances
    from reader.service.threads import LookupSettings, _lemmy_instance

    monkeypatch.delenv("READER_LEMMY_INSTANCES", raising=False)
    for written in ("lemmy.world", "https://Lemmy.World/", "http://lemmy.example", "http://127.0.0.1:8536"):
        looked_up = _lemmy_instance(LookupSettings(sites=("lemmy",), lemmy=written))
        assert lemmy_instances(CommentSources(lemmy=(written,))) == ((looked_up,) if looked_up else ())
    assert _lemmy_instance(LookupSettings(sites=("lemmy",), lemmy="lemmy.world")) == "https://lemmy.world"
