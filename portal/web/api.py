"""JSON API (``/api/v1``) and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from portal.db import db

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, as JSON."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - report, do not crash the health check
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status
