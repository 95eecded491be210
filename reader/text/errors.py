"""Error texts as people read them: "could not resolve the host name", "HTTP 404: not found".

The network library says what failed in its own words ("[Errno -2] Name or
service not known", "Cannot connect to host"). The fetch names the failure
with a sentence as it happens (:func:`network_sentence`, in
:mod:`reader.net.http`), keeping the library's words after it for whoever
needs them; :func:`error_sentence` shows any stored error (also those stored
before) by that sentence alone, in ``reader feeds`` and the reader's header.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from reader.text.sanitize import clean_line

# What sockets, the TLS library and HTTP clients say, as sentences: the first
# pattern found (case aside) in a raw error text names the failure. Kept as
# strings: every command imports this module, and only an error needs them
# compiled (re caches them then).
_NETWORK_SENTENCES: tuple[tuple[str, str], ...] = (
    (
        r"name or service not known|name resolution|no address associated|nodename nor servname"
        r"|getaddrinfo|could not resolve|\[errno -[235]\]|\[errno 11001\]",
        "could not resolve the host name",
    ),
    (r"connection refused|connect call failed|\[errno (?:111|61|10061)\]", "connection refused"),
    (r"no route to host|\[errno (?:113|65)\]", "no route to the host"),
    (r"network is unreachable|\[errno (?:101|51)\]", "the network is unreachable"),
    (r"connection reset|\[errno (?:104|54)\]", "the server reset the connection"),
    (r"certificate has expired", "the certificate has expired"),
    (r"hostname mismatch|not valid for", "the certificate is for another host name"),
    (r"self[- ]signed certificate", "certificate not trusted (self-signed)"),
    (r"certificate verify failed|unable to get local issuer", "certificate not trusted"),
    (r"\[ssl|sslerror|handshake", "the secure connection (TLS) failed"),
    (
        r"server disconnected|remote end closed|remoteprotocolerror|connection closed",
        "the server closed the connection without an answer",
    ),
    (
        r"payload is not completed|contentlengtherror|incompleteread|transferencodingerror|not enough data",
        "the answer was cut short",
    ),
    (r"timed out|timeout", "timed out"),
    (r"cannot connect to host|connecterror|could not connect", "could not connect to the server"),
)
#: How the fetch marks an error that came from the network library.
_NETWORK_PREFIX = "network error: "
#: An error text that is an exception's own, not one of reader's sentences.
_RAW_ERROR = r"\[errno|\[ssl|cannot connect to host|\w*(?:error|exception|timeout)\b|timed out$"
_HTTP_ERROR = r"HTTP (\d{3})"
# Longest first: "certificate not trusted (self-signed) (" is not "certificate not trusted (".
_NAMED = "({}) \\(".format(
    "|".join(re.escape(s) for s in sorted({s for _p, s in _NETWORK_SENTENCES}, key=len, reverse=True))
)


def network_sentence(raw: str) -> str | None:
    """The sentence that names what a network library's error text says went wrong; None if none does."""
    for pattern, sentence in _NETWORK_SENTENCES:
        if re.search(pattern, raw, re.IGNORECASE):
            return sentence
    return None


def network_error(raw: str) -> str:
    """A fetch's error text: ``network error:``, the sentence, then the library's own words (or only those)."""
    text = clean_line(raw)[:160]
    sentence = network_sentence(text)
    return f"{_NETWORK_PREFIX}{sentence} ({text})" if sentence else f"{_NETWORK_PREFIX}{text}"


def error_sentence(error: str) -> str:
    """A feed's stored error as people read it: ``could not resolve the host name``, ``HTTP 404: not found``.

    Raw exception texts ("network error: [Errno -2] Name or service not
    known") are named by what went wrong; reader's own sentences ("the feed
    is gone (410)...", "could not parse: ...") and anything unknown stay as
    they are, cleaned.
    """
    text = clean_line(error)
    status = re.fullmatch(_HTTP_ERROR, text)
    if status is not None:
        code = int(status.group(1))
        try:
            return f"HTTP {code}: {HTTPStatus(code).phrase.lower()}"
        except ValueError:  # a code with no standard name (520, 999)
            return text
    if text == "empty response":
        return "the server's answer was empty"
    if text.startswith("no complete answer within "):
        return f"timed out: {text}"
    raw = text.removeprefix(_NETWORK_PREFIX)
    named = re.match(_NAMED, raw)
    if named is not None:  # network_error's "sentence (the library's words)": the sentence says it
        return named.group(1)
    if raw == text and not re.match(_RAW_ERROR, text, re.IGNORECASE):
        return text
    return network_sentence(raw) or text
