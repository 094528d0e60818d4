"""The hand-built Argos Translate test packages install and translate for real.

argostranslate reads its directories from the environment at import time, so it
runs in a subprocess whose HOME, XDG_* and ARGOS_PACKAGES_DIR point into tmp_path.
That subprocess also disables the network before importing argostranslate and
reports any attempt.
"""
from __future__ import annotations

import json
import os
import string
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.argos_package import build_argos_package

# es -> fr shifts capital letters by one (A->B, ..., Z->A): a bijection that only
# composes with the en -> es upper-casing if argostranslate really pivots.
SHIFT = {c: string.ascii_uppercase[(i + 1) % 26] for i, c in enumerate(string.ascii_uppercase)}

RUNNER = textwrap.dedent(
    """
    import json, socket, sys, time

    attempts = []

    def blocked(name):
        def refuse(*args, **kwargs):
            attempts.append(f"{name}{args!r}")
            raise OSError(f"network disabled by the test ({name})")
        return refuse

    socket.socket.connect = blocked("socket.connect")
    socket.socket.connect_ex = blocked("socket.connect_ex")
    socket.create_connection = blocked("socket.create_connection")
    socket.getaddrinfo = blocked("socket.getaddrinfo")
    try:  # prove the guard is in place before anything else runs
        socket.create_connection(("example.org", 80))
        guard_works = False
    except OSError:
        guard_works = attempts == ["socket.create_connection(('example.org', 80),)"]
    attempts.clear()

    job = json.loads(sys.argv[1])
    from argostranslate import package, settings, translate

    for path in job["packages"]:
        package.install_from_path(path)
    translate.get_installed_languages.cache_clear()
    languages = {lang.code: lang for lang in translate.get_installed_languages()}

    results = []
    for from_code, to_code, text in job["requests"]:
        # translate() raises AttributeError for an unknown code, and
        # get_translation_from_codes() returns None for an unreachable pair.
        translation = None
        if from_code in languages and to_code in languages:
            translation = translate.get_translation_from_codes(from_code, to_code)
        if translation is None:
            results.append({"error": f"no {from_code}->{to_code} translation"})
            continue
        via_translate = translate.translate(text, from_code, to_code)
        results.append({
            "translate": via_translate,
            "object": translation.translate(text),
            "kind": type(translation).__name__,
        })

    # Time unseen sentences (CachedTranslation would answer repeats from its cache).
    sentence_ms = []
    if results and "error" not in results[0]:
        from_code, to_code, _ = job["requests"][0]
        for n in range(5):
            started = time.perf_counter()
            translate.translate(f"timing sentence number {n}, about forty chars.", from_code, to_code)
            sentence_ms.append((time.perf_counter() - started) * 1000)

    json.dump({
        "guard_works": guard_works,
        "attempts": attempts,
        "packages_dir": str(settings.package_data_dir),
        "installed": sorted(f"{p.from_code}->{p.to_code}" for p in package.get_installed_packages()),
        "results": results,
        "sentence_ms": sentence_ms,
    }, open(job["report"], "w"))
    """
)


def run_argos(tmp_path: Path, packages: list[Path], requests: list[tuple[str, str, str]]) -> dict:
    """Install packages into a fresh Argos home under tmp_path and run translation requests."""
    home = tmp_path / "argos-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        ARGOS_PACKAGES_DIR=str(home / "packages"),
    )
    report = tmp_path / "report.json"
    job = {"packages": [str(p) for p in packages], "requests": requests, "report": str(report)}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(job)], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(report.read_text())
    assert data["packages_dir"] == str(home / "packages")
    return data


def test_installed_package_translates_exactly(tmp_path):
    pkg = build_argos_package(tmp_path, "en", "es")
    text = "hello world. how are you?\nSecond paragraph: 3.14, e.g. ñandú_ok!"
    report = run_argos(tmp_path, [pkg], [("en", "es", "hello world. how are you?"), ("en", "es", text)])

    assert report["installed"] == ["en->es"]
    simple, mixed = report["results"]
    assert simple["translate"] == simple["object"] == "HELLO WORLD. HOW ARE YOU?"
    # Paragraphs survive; ñ/ú are not in the vocabulary and pass through as <unk>
    # copies; argostranslate's detokenizer turns "_" into a space.
    assert mixed["translate"] == "HELLO WORLD. HOW ARE YOU?\nSECOND PARAGRAPH: 3.14, E.G. ñANDú OK!"
    assert max(report["sentence_ms"]) < 500  # ~20 ms in practice; loose for slow CI


def test_argostranslate_pivots_through_two_packages(tmp_path):
    packages = [build_argos_package(tmp_path, "en", "es"), build_argos_package(tmp_path, "es", "fr", SHIFT)]
    text = "hello world. how are you?"
    report = run_argos(tmp_path, packages, [("en", "fr", text), ("es", "fr", "HELLO ZOO"), ("fr", "en", text)])

    assert report["installed"] == ["en->es", "es->fr"]
    pivot, direct, unreachable = report["results"]
    assert pivot["kind"] == "CompositeTranslation"
    assert pivot["translate"] == pivot["object"] == "IFMMP XPSME. IPX BSF ZPV?"
    assert direct["translate"] == "IFMMP APP"
    assert unreachable == {"error": "no fr->en translation"}


def test_translation_makes_no_network_access(tmp_path):
    packages = [build_argos_package(tmp_path, "en", "es"), build_argos_package(tmp_path, "es", "fr", SHIFT)]
    report = run_argos(tmp_path, packages, [("en", "es", "no network. really!"), ("en", "fr", "abc")])

    assert report["guard_works"]
    assert report["attempts"] == []
    assert [r["translate"] for r in report["results"]] == ["NO NETWORK. REALLY!", "BCD"]
    assert not (tmp_path / "argos-home" / "cache" / "minisbd").exists()
    assert not (tmp_path / "argos-home" / "data" / "argos-translate" / "minisbd").exists()
