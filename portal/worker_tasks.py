"""Imports every module that registers job handlers, for the worker process."""


def load_all() -> None:
    from portal import publishing  # noqa: F401 - scheduled publishing
    from portal.notices import jobs as notice_jobs  # noqa: F401
    from portal.search import jobs as search_jobs  # noqa: F401
    from portal.support import jobs as support_jobs  # noqa: F401
    from portal.support import notifications  # noqa: F401
    from portal.support import routing as support_routing  # noqa: F401 - escalation of overdue tickets
    from portal.translation import jobs as translation_jobs  # noqa: F401
    from portal.trends import jobs as trend_jobs  # noqa: F401 - periodic emerging-issue detection
    from portal.trends import notifications as trend_notifications  # noqa: F401
