"""Which proxy, if any, carries a request: the ``network.proxy`` setting, else the environment.

The environment is read the way curl and most tools read it: ``http_proxy``
for http URLs, ``https_proxy`` for https ones, ``all_proxy`` for either, each
also in upper case (lower case wins), and ``no_proxy`` / ``NO_PROXY`` for the
hosts that are reached directly. ``HTTP_PROXY`` in upper case is ignored when
``REQUEST_METHOD`` is set, as curl and Python do: under CGI it is a header the
client sent ("httpoxy").

``no_proxy`` entries are host names (matching the host and every name under
it: ``example.org`` covers ``feeds.example.org``; a leading ``.`` or ``*.`` means
the same), IP addresses and networks (``10.0.0.0/8``), each optionally with a
``:port``; ``*`` alone means every host. Kept here rather than using
``urllib.request.proxy_bypass_environment``: that one matches ``ample.org``
against ``example.org``'s suffix rules differently across Python versions and
knows no networks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from reader import defaults

ProxyScheme = defaults.ProxyScheme
PROXY_SCHEMES = defaults.PROXY_SCHEMES
#: The setting's value that means "never a proxy, whatever the environment says".
DIRECT = "direct"


class ProxyError(ValueError):
    """A proxy setting that cannot be used; ``str()`` is one line and never shows a password."""


@dataclass(frozen=True)
class Proxy:
    """One proxy: where it is and how to speak to it (credentials kept out of ``repr``)."""

    scheme: ProxyScheme
    host: str
    port: int
    user: str = ""
    password: str = ""

    @property
    def shown(self) -> str:
        """The proxy as people may see it: scheme, host and port, never the credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The proxy's URL without credentials (they travel separately)."""
        return self.shown

    def __repr__(self) -> str:
        return f"Proxy({self.shown})"


def parse_proxy(value: str) -> Proxy:
    """A proxy URL (``http://host:3128``, ``socks5h://127.0.0.1:9050``) as a :class:`Proxy`.

    A bare ``host:port`` means an HTTP proxy, as curl takes it. Raises
    :class:`ProxyError` for anything else, naming what is wrong but never
    echoing the value (it may hold a password).
    """
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ProxyError("the proxy address is not a URL (scheme://host:port)") from None
    scheme = parts.scheme.lower()
    if scheme == "https":
        raise ProxyError("a proxy reached over TLS (https://) is not supported; use http:// or socks5://")
    if scheme not in PROXY_SCHEMES:
        raise ProxyError(f"proxy scheme must be one of {', '.join(PROXY_SCHEMES)}")
    if not parts.hostname:
        raise ProxyError("the proxy address has no host")
    if port is None:
        port = 1080 if scheme.startswith("socks") else 8080
    return Proxy(
        scheme=scheme,  # checked against PROXY_SCHEMES above
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _environment_value(environ: Mapping[str, str], name: str) -> str:
    lower = environ.get(name, "").strip()
    if lower:
        return lower
    if name == "http_proxy" and "REQUEST_METHOD" in environ:
        return ""
    return environ.get(name.upper(), "").strip()


def bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``host`` (a name or an address) at ``port`` is listed in a ``no_proxy`` value."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy.replace(" ", ",").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port: int | None = None
        if entry.startswith("[") and "]" in entry:  # [::1]:8080
            inside, _, rest = entry[1:].partition("]")
            entry, entry_port = inside, int(rest[1:]) if rest[1:].isdigit() else None
        elif entry.count(":") == 1:
            name, _, digits = entry.partition(":")
            if digits.isdigit():
                entry, entry_port = name, int(digits)
        if entry_port is not None and entry_port != port:
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        entry = entry.removeprefix("*").lstrip(".").rstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def choose_proxy(url: str, setting: str, environ: Mapping[str, str], no_proxy: str = "") -> Proxy | None:
    """The proxy for ``url``: ``setting`` (``network.proxy``) when set, else the environment's.

    ``setting`` is ``""`` (use the environment), ``"direct"`` (no proxy at
    all) or a proxy URL. Hosts in ``no_proxy`` (``network.no_proxy``), or in
    the environment's ``no_proxy`` when that is empty, are reached directly.
    Raises :class:`ProxyError` for a proxy that cannot be used.
    """
    setting = setting.strip()
    if setting.lower() == DIRECT:
        return None
    if setting == defaults.UNUSABLE_PROXY:
        raise ProxyError('network.proxy in the config is not a proxy URL: fix it, or set "direct" for none')
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    chosen = setting or _environment_value(environ, f"{scheme}_proxy") or _environment_value(environ, "all_proxy")
    if not chosen:
        return None
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = 443 if scheme == "https" else 80
    if bypassed(parts.hostname or "", port, no_proxy.strip() or _environment_value(environ, "no_proxy")):
        return None
    return parse_proxy(chosen)
