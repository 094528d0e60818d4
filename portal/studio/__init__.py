"""Writer workspace services: drafts, review, publishing, history, translation requests.

A version's published content lives in its fields (what customers, search and
translation see); every save is a :class:`~portal.kb.models.Revision`, and the
revisions after ``current_revision`` are the working draft. This package must not
render pages; the web layer calls it.
"""
