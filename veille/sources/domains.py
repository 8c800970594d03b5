"""Registered domains: the key that ties an article's URL to its source.

The registered domain is the public suffix plus one label (``www.bbc.co.uk`` → ``bbc.co.uk``,
``m.lefaso.net`` → ``lefaso.net``), read from the Public Suffix List that the ``tld`` package ships; the
list is read from that bundled file and never fetched. Private suffixes count as suffixes
(``x.blogspot.com`` is a domain of its own), so two blogs on one host are two sources.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from tld import get_fld

__all__ = ["article_domain", "registered_domain"]


def _host(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if "://" not in value:
        value = "http://" + value.lstrip("/")
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def registered_domain(value: str | None) -> str | None:
    """Return the registered domain of a URL or host name, lower case (IDNA for non-ASCII names).

    None for an empty value, an IP address, a single-label host (``localhost``) or a name under no
    known public suffix.
    """
    if not value:
        return None
    host = _host(value)
    if host is None:
        return None
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    fld = get_fld(host, fix_protocol=True, fail_silently=True)
    return str(fld).lower() if fld else None


def article_domain(url: str | None, outlet: str | None = None) -> str | None:
    """Return the domain that ties an article to its source: its URL's registered domain; for an article
    without a URL, that of its outlet hint when the hint is a host name (``actuniger.com``, ``Lefaso.net``)."""
    if url:
        return registered_domain(url)
    if outlet and "." in outlet and not any(c.isspace() or c in "/@:" for c in outlet.strip()):
        return registered_domain(outlet)
    return None
