"""Incident notices: what customers are told about a known problem, who follows it, and what it deflected.

``models`` holds the tables and the state vocabularies, ``service`` the flush-only
rules (validation, matching a text against a notice's phrases, a notice shown in
one language), ``actions`` the use cases that own the transaction (publish, post
an update, resolve, link a ticket, follow), ``jobs`` the machine translation and
the mails. Nothing here imports the web layer.
"""
