"""Knowledge base: articles, their language versions and revisions.

Public interface: :mod:`portal.kb.service` (queries and writes used by the web
layer and CLI), :mod:`portal.kb.markdown` (the one renderer: sanitised HTML),
:mod:`portal.kb.files` / :mod:`portal.kb.transfer` (the ``kb_articles/<slug>/<lang>.md``
import/export format). The database is the source of truth; files are an exchange
format. This package must not import translation engines or the search index.
"""
