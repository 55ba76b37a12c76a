"""The client's address behind the configured number of reverse proxies (SECURITY.md).

Each trusted proxy appends the address it received the request from to X-Forwarded-For, so with
PROXY_COUNT proxies the client is the PROXY_COUNT-th entry from the right; anything to its left was
written by the client and is ignored (it can be forged). With no proxies, or a header with fewer
entries than proxies (a request that did not come through them all), or an entry that is not an
IP address, the connection's own address (REMOTE_ADDR) is used. One function for sign-in lockout
(django-axes, AXES_CLIENT_IP_CALLABLE), rate limits and the audit trail.

django-ipware counts proxies differently (it expects each proxy's own address in the header and
returns nothing for the usual one-proxy header), so this small function is used instead.
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    chain = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(chain) < count:
        return remote
    return _valid(chain[-count]) or remote
