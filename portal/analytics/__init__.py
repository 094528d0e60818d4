"""Analytics: what customers searched for and whether it helped.

Owns the search log (no IP address, no personal data). Pages log searches,
views and opened results through the per-process buffer in
:mod:`portal.analytics.reads` (a GET never commits); votes through
:func:`record_vote`; writers read reports.
"""
from portal.analytics.reads import LoggedSearch, ReadCounter
from portal.analytics.votes import record_vote

__all__ = ["LoggedSearch", "ReadCounter", "record_vote"]
