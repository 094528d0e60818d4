"""Analytics: what customers searched for and whether it helped.

Owns the search log (no IP address, no personal data). Other packages write to
it through :func:`log_search` (views and opened results:
:mod:`portal.analytics.reads`); writers read reports.
"""
from portal.analytics.search_log import log_search
from portal.analytics.votes import record_vote

__all__ = ["log_search", "record_vote"]
