"""Analytics: what customers searched for and whether it helped.

Owns the search log (no IP address, no personal data). Other packages write to
it through :func:`log_search` / :func:`record_opened`; writers read reports.
"""
from portal.analytics.search_log import log_search, record_opened
from portal.analytics.votes import record_vote

__all__ = ["log_search", "record_opened", "record_vote"]
