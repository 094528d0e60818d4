"""Loose coupling between packages that react to each other's changes.

The search package, for example, wants to know when an article version changed
without the translation package importing search. Hooks run in the caller's
process and transaction; they should enqueue work, not do it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

_HOOKS: dict[str, list[Callable]] = defaultdict(list)


def add_hook(event: str, func: Callable) -> None:
    if func not in _HOOKS[event]:
        _HOOKS[event].append(func)


def run_hooks(event: str, *args, **kwargs) -> None:
    for func in list(_HOOKS[event]):
        func(*args, **kwargs)


def remove_hook(event: str, func: Callable) -> None:
    """Stop calling ``func`` on ``event`` (it need not have been added)."""
    if func in _HOOKS[event]:
        _HOOKS[event].remove(func)
