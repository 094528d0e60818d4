"""Emerging issues on the desk: ``/desk/trends`` (a table and a chart with its data table),
``/desk/trends.json`` and the status of a trend. Agents only (admins too).

Detection runs in the worker (:mod:`portal.trends.jobs`); this module parses, calls and renders.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _

from portal.accounts import role_required
from portal.analytics.charts import bar_chart
from portal.db import db
from portal.i18n import language_name
from portal.trends import actions, service
from portal.trends.detection import Channel
from portal.trends.models import Trend, TrendStatus
from portal.trends.notifications import as_dict, phrasing
from portal.web.lang import install_staff_language

bp = Blueprint("desk_trends", __name__, url_prefix="/desk")
install_staff_language(bp)

#: What the status filter offers: the trends still needing attention (default), or all of them.
ACTIVE = (TrendStatus.NEW, TrendStatus.ACKNOWLEDGED)
CHART_ROWS = 10


def _statuses() -> tuple[str, ...] | None:
    return None if request.args.get("status") == "all" else tuple(ACTIVE)


def channel_label(channel: str) -> str:
    labels: dict[str, str] = {Channel.SEARCH: _("Searches"), Channel.FEEDBACK: _("“Not helpful” comments"),
                              Channel.TICKET: _("Requests to support")}
    return labels.get(channel, channel)


def status_label(status: str) -> str:
    labels: dict[str, str] = {TrendStatus.NEW: _("New"), TrendStatus.ACKNOWLEDGED: _("Acknowledged"),
                              TrendStatus.RESOLVED: _("Resolved"), TrendStatus.DISMISSED: _("Dismissed")}
    return labels.get(status, status)


def language_label(code: str) -> str:
    return language_name(code, g.lang) if code else _("Unknown")


def decimal(value: float) -> str:
    """A growth factor or baseline, to one decimal, localised ("2.5", "2,5", "٢٫٥")."""
    return format_decimal(round(value or 0.0, 1), format="#,##0.#")


def chart(trends: list[Trend]) -> dict:
    """The bar chart's labels (each in its language), mentions and printed values."""
    said = [phrasing(trend, g.lang) for trend in trends]
    return {"labels": [text for text, _lang, _machine in said], "langs": [lang for _text, lang, _machine in said],
            "values": [trend.count for trend in trends],
            "shown": [_("%(count)s (usually %(baseline)s)", count=format_number(trend.count),
                        baseline=decimal(trend.baseline)) for trend in trends]}


@bp.context_processor
def _helpers():
    return {"bar_chart": bar_chart, "channel_label": channel_label, "status_label": status_label,
            "language_label": language_label, "phrasing": phrasing, "decimal": decimal, "chart": chart}


@bp.get("/trends")
@role_required("agent")
def trends():
    settings = current_app.config["SETTINGS"]
    found = service.list_trends(db.session, _statuses())
    notice_url = None
    if "desk_notices.new" in current_app.view_functions:  # publishing a notice from a trend, when available
        notice_url = url_for("desk_notices.new")
    return render_template("desk/trends.html", trends=found, statuses=list(TrendStatus),
                           showing_all=_statuses() is None, chart_rows=CHART_ROWS, settings=settings,
                           notice_url=notice_url)


@bp.get("/trends.json")
@role_required("agent")
def trends_json():
    settings = current_app.config["SETTINGS"]
    found = service.list_trends(db.session, _statuses())
    return jsonify({
        "trends": [as_dict(trend) for trend in found],
        "detection": {"window_minutes": settings.trend_window_minutes,
                      "baseline_days": settings.trend_baseline_days, "min_count": settings.trend_min_count,
                      "growth": settings.trend_growth, "notify_growth": settings.trend_notify_growth},
    })


@bp.post("/trends/<int:trend_id>/status")
@role_required("agent")
def change_status(trend_id: int):
    trend = db.session.get(Trend, trend_id)
    if trend is None:
        abort(404)
    try:
        status = TrendStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)  # the form offers the statuses only: anything else is forged
    actions.change_status(db.session(), trend, status)
    return redirect(url_for("desk_trends.trends", updated=trend.id) + f"#trend-{trend.id}", code=303)
