"""Trend use cases: each one commits (the desk, the worker's start and the command line call them)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from portal.services import services
from portal.support.jobs import desk_languages
from portal.trends.jobs import queue_detection
from portal.trends.models import Trend, TrendStatus
from portal.trends.service import detect_and_record, set_status


def detect_now(session: Session, now: datetime | None = None) -> dict:
    """Run detection now (notifications queued with the trends they announce)."""
    result = detect_and_record(session, current_app.config["SETTINGS"], services(), now,
                               desk_languages=desk_languages())
    session.commit()
    return result


def start_periodic_detection(session: Session) -> None:
    """Make sure a detection run is queued, one interval from now (a worker calls this when it starts)."""
    if queue_detection(session, current_app.config["SETTINGS"]):
        session.commit()


def change_status(session: Session, trend: Trend, status: TrendStatus) -> None:
    """Staff acknowledge, resolve or dismiss a trend."""
    set_status(trend, status)
    session.commit()
