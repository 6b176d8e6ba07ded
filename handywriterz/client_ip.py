"""The address a request came from, for login throttling (django-axes) and the API's anonymous
rate buckets: one rule for both.

X-Forwarded-For is written by whoever sends the request, so it is ignored unless the deployment
says how many reverse proxies it runs in front of the web server (HW_TRUSTED_PROXY_COUNT). Each
of those appends the address it received the request from, so the client is the N-th entry from
the right; entries left of it are the client's own claims and are never used. A request that did
not pass all N proxies (fewer entries than N) falls back to REMOTE_ADDR.
"""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.HW_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote
