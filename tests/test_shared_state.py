"""State the web nodes share (ADR 0014): the cache and counters in Redis or memory, search answers
and page invalidation across processes, and serving on when Redis is down."""
from __future__ import annotations

import json
import logging
import uuid

import pytest
import redis

from portal.db import db
from portal.kb.models import Article
from portal.search import SearchQuery, search_service
from portal.services import services
from portal.shared import CONTENT, MemoryState, RedisState, bump, generation
from tests.conftest import app_on
from tests.support.services import free_port

ARTICLE = "/en/articles/reset-your-password"


@pytest.fixture
def prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture(params=["memory", "redis"])
def state(request, redis_server_url, prefix):
    return MemoryState() if request.param == "memory" else RedisState(redis_server_url, prefix)


def test_values_expire_and_counters_count(state, redis_server_url, prefix):
    assert state.get("missing") is None and state.counter("never") == 0
    state.set("answer", b"forty-two", 60)
    assert state.get("answer") == b"forty-two"
    assert [state.incr("hits") for _ in range(3)] == [1, 2, 3] and state.counter("hits") == 3
    before = generation(state, CONTENT)
    bump(state, CONTENT)
    assert generation(state, CONTENT) == before + 1
    if state.shared:  # in Redis under the prefix, with the expiry asked for
        client = redis.Redis.from_url(redis_server_url)
        assert 0 < client.ttl(f"{prefix}:answer") <= 60
        assert client.get(f"{prefix}:hits") == b"3"


def test_redis_down_answers_like_a_miss_and_says_so_once(caplog, prefix):
    state = RedisState(f"redis://:secret-password@127.0.0.1:{free_port()}/0", prefix)
    with caplog.at_level(logging.WARNING, logger="portal.shared"):
        assert state.get("anything") is None
        assert state.counter("hits") is None and generation(state, CONTENT) is None
        assert state.incr("hits") is None
        state.set("answer", b"lost", 60)  # dropped, no error
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.shared"]
    assert len(lines) == 1 and "unavailable" in lines[0] and "127.0.0.1" in lines[0]
    assert "secret-password" not in lines[0]


def _node(data_dir, redis_url, prefix):
    """Another portal process on the same database and index (an app of its own)."""
    return app_on(data_dir, redis_url=redis_url, redis_prefix=prefix, **_SUPPORT)


_SUPPORT = {"languages": ("en", "es", "pt-BR", "ar"), "translation_engines": (),
            "rate_limit_public_writes": "1000 per minute"}


@pytest.fixture
def two_nodes(tmp_path, support_template, redis_server_url, prefix):
    import shutil

    data_dir = tmp_path / "support"
    shutil.copytree(support_template, data_dir)
    return _node(data_dir, redis_server_url, prefix), _node(data_dir, redis_server_url, prefix)


def test_a_search_answer_one_node_made_is_served_by_the_other_until_the_content_changes(
        two_nodes, redis_server_url, prefix):
    first, second = two_nodes
    query = SearchQuery("password", "en")
    with first.app_context():
        found = search_service().search(query)
    assert found.total > 0
    client = redis.Redis.from_url(redis_server_url)
    (key,) = client.keys(f"{prefix}:search:*")
    # The entry is what the other node answers with: change it and the other node shows the change.
    entry = json.loads(client.get(key))
    entry["total"] = 999
    client.set(key, json.dumps(entry))
    with second.app_context():
        served = search_service().search(query)
    assert served.total == 999 and [r.slug for r in served.results] == [r.slug for r in found.results]
    assert str(served.results[0].snippet) == str(found.results[0].snippet)
    # A content change committed by one node is a new generation for both: the old entry is not used.
    with second.app_context():
        before = generation(services().shared, CONTENT)
        article = db.session.scalar(db.select(Article).where(Article.slug == "reset-your-password"))
        next(v for v in article.versions if v.lang == "en").title = "Reset your password now"
        db.session.commit()
        assert generation(services().shared, CONTENT) == before + 1
    for node in two_nodes:
        with node.app_context():
            assert search_service().search(query).total == found.total


def test_an_article_changed_by_another_process_is_a_new_page_on_every_node(two_nodes):
    first, second = two_nodes
    for node in two_nodes:
        node.extensions["page_cache"].sync_seconds = 0  # read the signal on every request
    pages = [node.test_client().get(ARTICLE) for node in two_nodes]
    assert all(page.status_code == 200 for page in pages)
    assert all(node.extensions["page_cache"].anonymous_pages == 1 for node in two_nodes)
    with second.app_context():  # another process (the studio, `portal kb import`) changes the title
        article = db.session.scalar(db.select(Article).where(Article.slug == "reset-your-password"))
        version = next(v for v in article.versions if v.lang == "en")
        version.title = "Reset your password (changed elsewhere)"
        db.session.commit()
    for node in two_nodes:
        assert "changed elsewhere" in node.test_client().get(ARTICLE).get_data(as_text=True)


def test_with_redis_down_pages_search_and_rate_limits_still_answer(tmp_path, support_template, prefix, caplog):
    import shutil

    data_dir = tmp_path / "support"
    shutil.copytree(support_template, data_dir)
    app = app_on(data_dir, redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_prefix=prefix,
                 **dict(_SUPPORT, rate_limit_public_writes="3 per minute"))
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="portal.shared"):
        assert client.get(ARTICLE).status_code == 200
        assert client.get(ARTICLE).status_code == 200
        assert client.get("/en/search?q=password").status_code == 200
        answer = client.get("/api/v1/search?q=password&lang=en")
    assert answer.status_code == 200 and answer.get_json()["total"] > 0
    assert app.extensions["page_cache"].anonymous_pages == 0  # nothing kept without the signal
    assert any("unavailable" in r.getMessage() for r in caplog.records if r.name == "portal.shared")
    statuses = [client.post("/api/v1/tickets", json={"message": f"My invoice is wrong, number {n}."}).status_code
                for n in range(4)]
    assert statuses == [201, 201, 201, 429]  # counted in this process while Redis is away


def test_an_answer_comes_back_from_the_shared_cache_as_it_went_in():
    import numpy as np
    from markupsafe import Markup

    from portal.search.service import Result, SearchResults, _decode_results, _encode_results

    answer = SearchResults("ключ <b>", "ru", 0.875, "script", "key", 1, 1, 1, [Result(
        "reset-your-password", "Сброс пароля", "ru", True, Markup("<mark>ключ</mark> &lt;b&gt;"), 0.5, "sign-in",
        "en", "steps")], None, ["keyword", "semantic"], "ready", secondary_lang="en")
    back = _decode_results(_encode_results(answer))
    assert back == answer and isinstance(back.results[0].snippet, Markup)
    answer.results[0].score = np.float32(0.5)  # numpy scores are written as numbers, not refused
    assert _decode_results(_encode_results(answer)) == answer
    assert _decode_results(b'{"query": "from an older version"}') is None  # a miss, not an error
