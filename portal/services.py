"""The app's services, wired once in :func:`portal.create_app`, reached through :func:`services`.

Code asks for a service by its role (``services().translation``, ``services().search``)
instead of building one or reaching into ``app.extensions``; job handlers do the
same inside the worker's app context. Each role is defined once, by a factory
``create_app`` registers; a service is built on first use (a web worker that never
translates never loads an engine) and then shared by the process. Tests give their
own with :meth:`Services.provide`.

This module imports no package of the portal at run time: packages below the web
layer may use it without an import cycle.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # types only: the factories are registered by create_app
    from portal.analytics.reads import ReadCounter
    from portal.embeddings.engines import CachedEmbedder
    from portal.kb.markdown import RenderCache
    from portal.langid.detector import LanguageDetector
    from portal.search.service import SearchService
    from portal.shared import SharedState
    from portal.studio.uploads import MediaStore
    from portal.support.notifications import Mailer
    from portal.translation.service import TranslationService

#: Roles a factory may be defined for (and a test may provide).
ROLES = frozenset({"translation", "search", "detector", "embedder", "read_counter", "render_cache", "media",
                   "mail", "shared"})
#: Services built from others: made again when one they were built from is provided.
_BUILT_FROM = {"search": frozenset({"detector", "embedder", "shared"})}


class Services:
    """One app's services by role."""

    def __init__(self) -> None:
        self._factories: dict[str, Callable[[], Any]] = {}
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()  # a factory may ask for another service

    def define(self, role: str, factory: Callable[[], Any]) -> None:
        """How ``role`` is built (``create_app`` calls this once per role)."""
        if role not in ROLES:
            raise ValueError(f"unknown service role {role!r}")
        self._factories[role] = factory

    def provide(self, **given: Any) -> None:
        """Use these services instead of building them (tests: a fake translation engine)."""
        unknown = set(given) - ROLES
        if unknown:
            raise ValueError(f"unknown service roles: {', '.join(sorted(unknown))}")
        with self._lock:
            self._built.update(given)
            for role, sources in _BUILT_FROM.items():
                if role not in given and sources & given.keys():
                    self._built.pop(role, None)

    def is_built(self, role: str) -> bool:
        """Whether ``role``'s service exists yet in this process."""
        return role in self._built

    def get(self, role: str) -> Any:
        """The service for ``role``, built on first use."""
        try:
            return self._built[role]
        except KeyError:
            pass
        with self._lock:
            if role not in self._built:
                if role not in self._factories:
                    raise LookupError(f"no service defined for {role!r}")
                self._built[role] = self._factories[role]()
            return self._built[role]

    @property
    def translation(self) -> TranslationService:
        return self.get("translation")

    @property
    def search(self) -> SearchService:
        return self.get("search")

    @property
    def detector(self) -> LanguageDetector:
        return self.get("detector")

    @property
    def embedder(self) -> CachedEmbedder | None:
        return self.get("embedder")

    @property
    def read_counter(self) -> ReadCounter:
        return self.get("read_counter")

    @property
    def render_cache(self) -> RenderCache:
        return self.get("render_cache")

    @property
    def media(self) -> MediaStore:
        return self.get("media")

    @property
    def shared(self) -> SharedState:
        """What every web node and the worker agree on: Redis, or this process's memory (ADR 0014)."""
        return self.get("shared")

    @property
    def mail(self) -> Mailer | None:
        """None when no mail server is configured."""
        return self.get("mail")


def services(app: Flask | None = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    return (app or current_app).extensions["services"]
