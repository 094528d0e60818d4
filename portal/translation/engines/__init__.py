"""Translation engines behind :class:`~portal.translation.engines.base.TranslationEngine`.

:func:`build_engines` makes the configured engines in order of preference. Engines
load their models lazily, on first translation, so building them is cheap.
"""
from __future__ import annotations

from portal.config import Settings
from portal.translation.engines.argos import ArgosEngine
from portal.translation.engines.base import EngineUnavailable, TranslationEngine
from portal.translation.engines.bergamot import BergamotEngine


def build_engines(settings: Settings) -> list[TranslationEngine]:
    engines: list[TranslationEngine] = []
    for name in settings.translation_engines:
        if name == "argos":
            engines.append(ArgosEngine(settings.resolved_argos_packages_dir))
        elif name == "bergamot":
            engines.append(BergamotEngine())
        else:
            raise ValueError(f"unknown translation engine {name!r} in PORTAL_TRANSLATION_ENGINES")
    return engines


__all__ = ["EngineUnavailable", "TranslationEngine", "build_engines"]
