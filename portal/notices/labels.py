"""Names of notice states for people (pages and mails), translated once; icons for severities."""
from flask_babel import lazy_gettext as _l

from portal.notices.models import NoticeStatus, Severity

SEVERITY_LABELS = {
    Severity.MINOR: _l("Minor disruption"),
    Severity.MAJOR: _l("Major disruption"),
    Severity.CRITICAL: _l("Critical outage"),
}
#: Shown beside the severity's name, never instead of it (no meaning by colour or shape alone).
SEVERITY_ICONS = {Severity.MINOR: "ℹ", Severity.MAJOR: "⚠", Severity.CRITICAL: "⛔"}
STATUS_LABELS = {
    NoticeStatus.INVESTIGATING: _l("Investigating"),
    NoticeStatus.IDENTIFIED: _l("Cause identified"),
    NoticeStatus.MONITORING: _l("Fix applied, monitoring"),
    NoticeStatus.RESOLVED: _l("Resolved"),
}


def severity_label(severity: str) -> str:
    return str(SEVERITY_LABELS.get(Severity(severity), severity)) if severity in set(Severity) else severity


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(NoticeStatus(status), status)) if status in set(NoticeStatus) else status
