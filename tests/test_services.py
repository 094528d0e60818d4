"""The service registry: each role defined once in create_app, built on first use, providable by tests."""
from __future__ import annotations

import pytest

from portal.search import SearchQuery
from portal.services import Services, services
from portal.translation.engines.bergamot import BergamotEngine
from portal.translation.service import TranslationService


def test_services_are_built_once_on_first_use_and_shared(make_app):
    app = make_app(embeddings="none", translation_engines=())
    registry = services(app)
    assert not registry.is_built("search") and not registry.is_built("translation")  # nothing heavy at start
    with app.app_context():
        assert services().search is services().search is registry.search
        assert registry.translation.engines == []
        assert registry.embedder is None and app.extensions["read_counter"] is registry.read_counter


def test_a_provided_service_is_used_everywhere_and_what_was_built_from_it_is_built_again(make_app):
    app = make_app(embeddings="none", translation_engines=(), languages=("en", "pt-BR"))
    registry = services(app)
    with app.app_context():
        before = registry.search
        assert before.search(SearchQuery("Como redefinir a senha", "pt-BR", None, 1)).translated_query is None
        registry.provide(translation=TranslationService([BergamotEngine()], heavy_in_process=True))
        assert registry.search is before  # search asks for the translation service at each query
        # (another query: answers are cached per query and index generation)
        translated = registry.search.search(SearchQuery("Esqueci minha senha de acesso", "pt-BR", None, 1))
        assert translated.translated_query  # the provided engine translated the query
        registry.provide(detector=registry.detector)
        assert registry.search is not before  # built from the detector: made again


def test_unknown_roles_are_refused():
    registry = Services()
    with pytest.raises(ValueError, match="unknown service role"):
        registry.define("mailer2", object)
    with pytest.raises(ValueError, match="unknown service roles: cache"):
        registry.provide(cache=object())
    with pytest.raises(LookupError, match="no service defined for 'search'"):
        registry.get("search")


def test_heavy_engines_run_in_the_worker_unless_allowed_in_process():
    light, heavy = BergamotEngine(), type("Heavy", (), {"heavy": True})()
    assert not TranslationService([]).runs_in_worker(light)
    assert TranslationService([]).runs_in_worker(heavy)
    assert not TranslationService([], heavy_in_process=True).runs_in_worker(heavy)


def test_media_and_mail_are_services_too(make_app, tmp_path):
    from portal.studio.uploads import LocalMediaStore
    from portal.support.notifications import SmtpMailer

    without_mail = make_app(embeddings="none", translation_engines=())
    assert services(without_mail).mail is None  # no SMTP host: mail is off, jobs say so
    with_mail = make_app(embeddings="none", translation_engines=(), smtp_host="127.0.0.1", smtp_port=2525)
    mailer = services(with_mail).mail
    assert isinstance(mailer, SmtpMailer) and (mailer.host, mailer.port) == ("127.0.0.1", 2525)
    media = services(with_mail).media
    assert isinstance(media, LocalMediaStore) and media.directory == with_mail.config["SETTINGS"].data_dir / "media"
    store = LocalMediaStore(tmp_path / "media")
    first, again = store.put(b"same bytes", "png"), store.put(b"same bytes", "png")
    assert first == again and (tmp_path / "media" / first).read_bytes() == b"same bytes"
    assert store.put(b"other bytes", "png") != first and not list((tmp_path / "media").glob(".upload-*"))
