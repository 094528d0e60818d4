"""Incident notices for customers: banners on other pages, the notice page, the Atom feed, following.

Active notices are kept in memory per process (one snapshot, every language) and
dropped, with every stored page, as soon as this process writes a notice; other
processes see a change within the page cache's max age (ADR 0009).
"""
from __future__ import annotations

import time
from collections.abc import Hashable
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    has_app_context,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from portal.db import db
from portal.extensions import csrf, limiter
from portal.notices import actions, follows, service
from portal.notices.impressions import FILED, ImpressionCounter
from portal.notices.labels import SEVERITY_ICONS, severity_label, status_label
from portal.notices.models import (
    Notice,
    NoticeFollower,
    NoticeStatus,
    NoticeText,
    NoticeTicket,
    NoticeUpdate,
    Severity,
)
from portal.support.notifications import secret_keys
from portal.web import page_cache
from portal.web.guard import same_site_only
from portal.web.lang import install_language_prefix


def _session() -> Session:
    """The request's session (the scoped proxy's current one, as the use cases are typed)."""
    return db.session()


bp = Blueprint("notices", __name__, url_prefix="/<lang>")
install_language_prefix(bp)

#: Rows whose change changes what banners and notice pages show.
_NOTICE_ROWS = (Notice, NoticeUpdate, NoticeText, NoticeTicket)
_SNAPSHOT = "notices.snapshot"
_IMPRESSIONS = "notices.impressions"
#: The visit's notices met so far, by id, with the surface where first met (deflection counts).
_SEEN_KEY = "visit_notices"


class _Snapshot:
    """The active notices of one app, for ``max_age`` seconds, until a notice is written in this
    process (:meth:`clear`), or until the shared content generation moves (a notice written by
    another process or node, ADR 0014). Clearing the stored pages alone keeps it: it is not a page."""

    def __init__(self, app: Flask, max_age: float) -> None:
        self.app = app
        self.max_age = max_age
        self.epoch = 0
        self._value: tuple[float, int, Hashable, list[service.ActiveNotice]] | None = None

    def _generation(self) -> Hashable:
        signal = getattr(self.app.extensions["page_cache"], "signal", None)
        return signal() if signal is not None else None

    def get(self) -> list[service.ActiveNotice]:
        value, epoch, generation = self._value, self.epoch, self._generation()
        if value is not None and value[0] >= time.monotonic() and value[1:3] == (epoch, generation):
            return value[3]
        made = service.active_snapshot(_session(), self.app.config["SETTINGS"].languages)
        if epoch == self.epoch:  # not written meanwhile: keep it
            self._value = (time.monotonic() + self.max_age, epoch, generation, made)
        return made

    def clear(self) -> None:
        self.epoch += 1
        self._value = None


def _notices_changed(session: Session, flush_context, instances) -> None:
    if not has_app_context():
        return
    if any(isinstance(obj, _NOTICE_ROWS) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["notices_changed"] = True
        _forget(current_app)


def _after_commit(session: Session) -> None:
    # Again once the change is visible: a page made between the flush and the commit showed the old notice.
    if session.info.pop("notices_changed", False) and has_app_context():
        _forget(current_app)


def _forget(app: Flask) -> None:
    snapshot = app.extensions.get(_SNAPSHOT)
    if snapshot is not None:
        snapshot.clear()
    cache = app.extensions.get("page_cache")
    if cache is not None:
        cache.clear()


def install(app: Flask, max_age: float) -> None:
    """The app's notice snapshot, its impression counter, and the listeners that drop the snapshot
    (and stored pages) on a change."""
    app.extensions[_SNAPSHOT] = _Snapshot(app, max_age)
    app.extensions[_IMPRESSIONS] = ImpressionCounter(app, background=not app.config["SETTINGS"].testing)
    if not event.contains(Session, "before_flush", _notices_changed):
        event.listen(Session, "before_flush", _notices_changed)
        event.listen(Session, "after_commit", _after_commit)


def _active() -> list[service.ActiveNotice]:
    return current_app.extensions[_SNAPSHOT].get()


def _in(lang: str, found: list[service.ActiveNotice]) -> list[service.Shown]:
    return [notice.shown_in[lang] for notice in found if lang in notice.shown_in]


# --- banners, for the other customer pages ----------------------------------------

def for_home(lang: str) -> list[service.Shown]:
    """Every active notice."""
    return _in(lang, _active())


def for_search(lang: str, query: str, slugs: list[str]) -> list[service.Shown]:
    """Notices the search matches, by phrase or by an affected article among the results."""
    if not query:
        return []
    return _in(lang, [n for n in _active() if n.matches(query) or any(slug in n.articles for slug in slugs)])


def for_article(lang: str, slug: str, category: str | None) -> list[service.Shown]:
    """Notices that name the article, or its topic."""
    return _in(lang, [n for n in _active() if n.matches_article(slug, category)])


def matching(lang: str, text: str) -> list[service.Shown]:
    """Notices a text being written matches (the contact form's suggestions)."""
    return _in(lang, [n for n in _active() if n.matches(text)])


# --- deflection: banners met, and requests filed all the same ---------------------

def impressions(app: Flask | None = None) -> ImpressionCounter:
    return (app or current_app).extensions[_IMPRESSIONS]


def seen(lang: str, surface: str, notice_ids: list[int]) -> None:
    """This visit met these notices' banners (counted once per visit and notice)."""
    if not notice_ids or not session:
        return  # no visit (an API client without cookies): nothing to count once, nor a cookie to set
    met = dict(session.get(_SEEN_KEY) or {})
    fresh = [i for i in notice_ids if str(i) not in met]
    for notice_id in fresh:
        impressions().add(notice_id, lang, surface)
        met[str(notice_id)] = surface
    if fresh:
        session[_SEEN_KEY] = dict(list(met.items())[-20:])


def seen_without_visit(app: Flask, lang: str, surface: str, notice_ids: list[int]) -> None:
    """A visitor answered from memory met these banners (their session, given with the page, says so)."""
    for notice_id in notice_ids:
        impressions(app).add(notice_id, lang, surface)


def filed(lang: str) -> None:
    """The visit filed a request after meeting notices: counted against each, on its surface."""
    for notice_id, surface in (session.pop(_SEEN_KEY, None) or {}).items():
        if notice_id.isdigit():
            impressions().add(int(notice_id), lang, surface, FILED)


def for_ticket(ticket_id: int, lang: str) -> list[service.Shown]:
    """Notices a request is linked to, with their updates (its status page shows them)."""
    return [service.shown(n, lang) for n in service.notices_of_ticket(_session(), ticket_id)]


def icon(severity: str) -> str:
    return SEVERITY_ICONS.get(severity, "")  # type: ignore[call-overload]


def rfc3339(moment: datetime | None) -> str:
    """A timestamp as Atom wants it (SQLite gives back naive UTC datetimes)."""
    if moment is None:
        return "1970-01-01T00:00:00Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def labels() -> dict[str, str]:
    """Every severity and status name in the UI language (the contact form's script shows them)."""
    return {**{str(s): severity_label(s) for s in Severity}, **{str(s): status_label(s) for s in NoticeStatus}}


def template_helpers() -> dict:
    return {"notice_severity": severity_label, "notice_status": status_label, "notice_icon": icon,
            "rfc3339": rfc3339, "notice_labels": labels}


# --- the notice page and the feed ---------------------------------------------------

def _notice_or_404(notice_id: int) -> Notice:
    notice = db.session.scalar(select(Notice).where(Notice.id == notice_id)
                               .options(selectinload(Notice.texts), selectinload(Notice.updates)))
    if notice is None:
        abort(404)
    return notice


@bp.get("/notices/<int:notice_id>")
@page_cache.cacheable()
def notice(notice_id: int):
    """A notice and its whole history, in the reader's language; the form to follow it."""
    found = _notice_or_404(notice_id)
    original = request.args.get("original") == "1"
    return render_template("notices/notice.html", notice=service.shown(found, g.lang, original=original),
                           active=found.active, showing_original=original,
                           followed=request.args.get("followed"))


@bp.get("/notices.atom")
@page_cache.cacheable()
def feed():
    """Atom feed of notices (active and recently resolved), in the reader's language."""
    settings = current_app.config["SETTINGS"]
    base = settings.public_url.rstrip("/")
    notices = [service.shown(n, g.lang) for n in service.recent_notices(_session())]
    updated = max((n.updated_at for n in notices), default=None)
    xml = render_template("notices/feed.xml", notices=notices, base=base, updated=updated,
                          feed_url=f"{base}{url_for('notices.feed')}", home_url=f"{base}{url_for('public.home')}",
                          )
    response = make_response(xml)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


# --- following -------------------------------------------------------------------

def _follow_limit() -> str:
    return current_app.config["SETTINGS"].rate_limit_public_writes


@bp.post("/notices/<int:notice_id>/follow")
@csrf.exempt  # the notice page is the same for every visitor, so its form has no session token
@same_site_only  # ...and a follow posted from another site's page is refused instead
@limiter.limit(_follow_limit)
def follow(notice_id: int):
    """Ask for e-mail updates: a confirmation mail goes first (double opt-in)."""
    found = _notice_or_404(notice_id)
    try:
        actions.follow(_session(), found, request.form.get("email", "")[:320], g.lang)
    except service.NoticeInvalid:
        db.session.rollback()
        return _no_store(make_response(render_template(
            "notices/notice.html", notice=service.shown(found, g.lang), active=found.active,
            showing_original=False, followed=None, email=request.form.get("email", "")[:320],
            email_error=_("This does not look like an email address, for example name@example.com.")), 400))
    # The same answer whether or not the address already followed: nobody learns who follows what.
    return redirect(url_for("notices.notice", notice_id=found.id, followed="1") + "#follow", code=303)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _follower_or_404(token: str) -> NoticeFollower:
    follower = follows.follower_for(_session(), secret_keys(), token)
    if follower is None:
        abort(404)
    return follower


@bp.route("/notices/follows/<token>/<any(confirm, unsubscribe):action>", methods=["GET", "POST"])
@limiter.limit(_follow_limit, methods=["POST"])
def follower_link(token: str, action: str):
    """The links in the mails: a page with one button (mail scanners open links; only people press it)."""
    follower = _follower_or_404(token)
    done = False
    if request.method == "POST":
        if action == "confirm":
            actions.confirm_follow(_session(), follower)
        else:
            actions.unfollow(_session(), follower)
        done = True
    found = _notice_or_404(follower.notice_id)
    return _no_store(make_response(render_template(
        "notices/follower.html", action=action, done=done, notice=service.shown(found, g.lang),
        confirmed=follower.confirmed_at is not None, unsubscribed=follower.unsubscribed_at is not None)))
