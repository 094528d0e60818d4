"""Translation memory lookups and writes (database-backed, survives restarts).

Keys are (engine, engine version, source language, target language, hash of the
normalised source). Human segments (engine ``human``) win over any machine output
for the same source. A small in-process LRU in front makes repeated query
translations sub-millisecond.
"""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.cache import LRUCache
from portal.db import utcnow
from portal.translation.models import HUMAN, MemorySegment

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def source_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


HOT = LRUCache(4096)  # (engine, src, tgt, normalised query) -> translation


def lookup_many(session: Session, engine: str, version: str, src: str, tgt: str,
                texts: list[str]) -> dict[str, str]:
    """Known translations for ``texts``: human ones first, then this engine's."""
    # Texts that differ only in whitespace share a hash: every one of them is answered.
    hashes: dict[str, list[str]] = {}
    for text in texts:
        hashes.setdefault(source_hash(text), []).append(text)
    found: dict[str, str] = {}
    if not hashes:
        return found
    rows = session.execute(
        select(MemorySegment.engine, MemorySegment.engine_version, MemorySegment.source_hash,
               MemorySegment.target_text)
        .where(MemorySegment.src_lang == src, MemorySegment.tgt_lang == tgt,
               MemorySegment.source_hash.in_(list(hashes)),
               ((MemorySegment.engine == engine) & (MemorySegment.engine_version == version))
               | (MemorySegment.engine == HUMAN))
    ).all()
    human = {h: target for eng, _, h, target in rows if eng == HUMAN}
    machine = {h: target for eng, _, h, target in rows if eng != HUMAN}
    for digest, asked in hashes.items():
        known = human.get(digest, machine.get(digest))
        if known is not None:
            found.update(dict.fromkeys(asked, known))
    return found


def store(session: Session, engine: str, version: str, src: str, tgt: str, pairs: dict[str, str]) -> None:
    """Remember source -> target pairs (upsert; a race with another writer is harmless)."""
    for source, target in pairs.items():
        digest = source_hash(source)
        existing = session.scalar(
            select(MemorySegment).where(
                MemorySegment.engine == engine, MemorySegment.engine_version == version,
                MemorySegment.src_lang == src, MemorySegment.tgt_lang == tgt,
                MemorySegment.source_hash == digest,
            )
        )
        if existing is not None:
            if existing.target_text != target:
                existing.target_text = target
                existing.updated_at = utcnow()
            continue
        try:
            with session.begin_nested():
                session.add(MemorySegment(engine=engine, engine_version=version, src_lang=src, tgt_lang=tgt,
                                          source_hash=digest, source_text=normalise(source), target_text=target))
        except IntegrityError:
            pass  # another worker stored the same segment first


def store_human(session: Session, src: str, tgt: str, pairs: dict[str, str]) -> None:
    """Human translations / post-edits: stored under the ``human`` engine; they win."""
    store(session, HUMAN, "1", src, tgt, pairs)
