"""HTTP caching of public pages: validators everywhere, shared caching only when safe.

- Every anonymous GET of a public page gets a strong ``ETag`` (hash of the body)
  and answers a matching ``If-None-Match`` with 304 and no body.
- A page served with an empty session that it did not write to (no CSRF token, no
  visit context) is the same for everyone with that URL: a shared cache may keep
  it for ``SHARED_MAX_AGE`` seconds.
- A page that touched the session (forms carry a CSRF token; articles remember
  the visit) is ``private, no-cache``: the browser revalidates, proxies never keep it.
- Contact and ticket pages (forms, personal data) are ``no-store``.
- ``/`` chooses a language from the cookie and Accept-Language: it says so in ``Vary``.
"""
from __future__ import annotations

from flask import request, session
from werkzeug.wrappers import Response

SHARED_MAX_AGE = 60
#: Blueprints of public pages; support pages (contact, tickets) are never stored.
PUBLIC_BLUEPRINTS = frozenset({"public", "root", "notices"})
NEVER_STORED_BLUEPRINTS = frozenset({"support"})


def apply(response: Response) -> Response:
    """Set caching headers on a public page's response (and turn it into a 304 when it can be).

    Runs on pages served from :mod:`portal.web.page_cache` too: whether a
    shared cache may keep the response depends on the session of *this* request.
    """
    if request.blueprint in NEVER_STORED_BLUEPRINTS:
        response.headers["Cache-Control"] = "no-store"
        return response
    if (request.blueprint not in PUBLIC_BLUEPRINTS or request.method not in ("GET", "HEAD")
            or "Cache-Control" in response.headers):
        return response
    if request.endpoint == "root.index":
        response.vary.update(("Cookie", "Accept-Language"))
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    # Every request peeks at the session (sign-in expiry): what matters is whether it holds anything.
    if session.modified or len(session):
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={SHARED_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request.environ)
