"""Bump the ``CONTENT`` generation after a commit that changed what pages and search results show.

Any process may make such a change (the studio in one web node, ``portal kb
import``, the worker's publishing and index jobs), and every node caches pages
and search results: the generation, in Redis, is how the others find out.
The bump comes after the commit, so a node that sees the new generation reads
the new rows.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from portal.services import services
from portal.shared import CONTENT, bump

_CHANGED = "portal.shared.content_changed"


class ContentWatch:
    """Which session changes count as content: ORM objects of ``kinds`` (flushed), and rows of
    mapped classes from modules under ``bulk_modules`` written by bulk statements (index rows)."""

    def __init__(self, kinds: tuple[type, ...], bulk_modules: tuple[str, ...]) -> None:
        self.kinds = kinds
        self.bulk_modules = bulk_modules

    def before_flush(self, session: Session, flush_context, instances) -> None:
        if any(isinstance(obj, self.kinds) for obj in (*session.new, *session.dirty, *session.deleted)):
            session.info[_CHANGED] = True

    def do_orm_execute(self, execute_state: ORMExecuteState) -> None:
        if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
            return
        mapper = execute_state.bind_mapper
        # Bulk updates of knowledge-base rows are view counts, not content: only index rows count.
        if mapper is not None and mapper.class_.__module__.startswith(self.bulk_modules):
            execute_state.session.info[_CHANGED] = True

    def after_commit(self, session: Session) -> None:
        if not session.info.pop(_CHANGED, False) or not has_app_context():
            return
        if "services" in current_app.extensions:  # the committing app's shared state
            bump(services().shared, CONTENT)

    @staticmethod
    def after_rollback(session: Session) -> None:
        session.info.pop(_CHANGED, None)


_installed: list[ContentWatch] = []


def watch_content(kinds: tuple[type, ...], bulk_modules: tuple[str, ...]) -> None:
    """Listen on every session, once per process (the bump goes to the committing app's shared state)."""
    if _installed:
        return
    watch = ContentWatch(kinds, bulk_modules)
    _installed.append(watch)
    event.listen(Session, "before_flush", watch.before_flush)
    event.listen(Session, "do_orm_execute", watch.do_orm_execute)
    event.listen(Session, "after_commit", watch.after_commit)
    event.listen(Session, "after_rollback", watch.after_rollback)
