"""Emerging-issue detection: searches, "not helpful" comments and customers' ticket messages
grouped by meaning across languages; groups whose rate grew over their own baseline are
kept as trends, shown on the desk (``/desk/trends``) and announced to staff once.

``detection`` is the pure grouping and baseline math; ``service`` reads signals and keeps
trends (flushes only); ``actions`` holds the use cases that commit; ``jobs`` the periodic
run; ``notifications`` the e-mail and webhook deliveries.
"""
