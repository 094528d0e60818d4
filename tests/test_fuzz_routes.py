"""Every route, fed hostile input, on SQLite and PostgreSQL, anonymous and as each staff role.

The routes come from the app's URL map and the field names from the templates and
views, so a new route or form field is fuzzed without touching this file. For each
request: no 500, an answer within a bounded time, and a refused request (4xx)
leaves every table exactly as it was. ``make fuzz`` runs many more examples.
"""
from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from portal import create_app
from portal.accounts import create_user
from portal.config import PROJECT_ROOT
from portal.db import db
from tests.conftest import EMBEDDINGS_CACHE, SHIPPED_KB
from tests.support.services import postgres_server
from tests.support.web import csrf

PASSWORD = "correct horse battery staple"
ROLES = ("agent", "writer", "admin")
#: Examples of the random test per database (``FUZZ_EXAMPLES`` raises it; ``make fuzz``).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
#: A request that takes longer than this is a hang, not a slow page.
BOUND_SECONDS = 15.0

HOSTILE = [
    "\x00", "a\x00b", "\ud800", "\udfff x", "line\r\nSet-Cookie: pwned=1", "\x1b[31m\x07", "",
    "-1", "0", str(2**31), str(2**63), "9" * 400, "1e999", "NaN", "²", "١٢",
    "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "' OR 1=1 --", "../../etc/passwd", "%00%0d%0a", "\u202eevil", "𝒳" * 50, "x" * 5000,
    "9999-12-31T23:59:59.999999", "0001-01-01T00:00", "a,b,c@evil.example",
]
HOSTILE_JSON = [
    "[" * 1000 + "]" * 1000, '{"message": ' + "[" * 200 + "]" * 200 + "}", '{"message": ' + "9" * 400 + "}",
    '{"message": "hello there \\ud800 friend"}', '{"message": "hello", "context": {"query_confidence": NaN}}',
    '{"message": "hello world", "context": {"query_confidence": 1e999}}', '{"message": "a\\u0000b c d e"}',
    '"just a string"', "[1, 2, 3]", "null", "{", '{"message": {"nested": true}, "email": ["a@b.org"]}',
    '{"message": "help me please", "language": "x\\u0000"}',
]
#: Refused by ticket creation only (a reply takes just a message).
HOSTILE_TICKETS = ['{"message": "help me please", "email": "a,b@evil.example"}',
                   '{"message": "help me please", "name": ["x"]}', '{"message": "help me please", "context": []}']


def _field_names() -> list[str]:
    """Every form field and query argument the portal reads, found in its templates and views."""
    names = set()
    for path in (PROJECT_ROOT / "portal" / "web" / "templates").rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', path.read_text(encoding="utf-8")))
    for path in list((PROJECT_ROOT / "portal" / "web").glob("*.py")) + [PROJECT_ROOT / "portal/accounts/views.py"]:
        names.update(re.findall(r'request\.(?:args|form|values)\.get\("([a-z_]+)"', path.read_text(encoding="utf-8")))
    names -= {"csrf_token", "viewport", "robots"}
    return sorted(names | {"hash-1", "text-1", "reviewed-1"})


FIELDS = _field_names()


def _encode(value: str) -> str:
    # Lone surrogates cannot be UTF-8: send their bytes as a client would (werkzeug decodes them with replacement).
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


class Portal:
    """A portal with the shipped knowledge base, a ticket, and a signed-in client per role."""

    def __init__(self, app) -> None:
        self.app = app
        self.clients = {"anonymous": app.test_client()}
        with app.app_context():
            for role in ROLES:
                create_user(db.session, f"{role}@example.org", role.title(), PASSWORD, [role], "en")
            db.session.commit()
            self.tables = sorted(db.metadata.tables)
        for role in ROLES:
            client = app.test_client()
            page = client.get("/desk/login").get_data(as_text=True)
            client.post("/desk/login", data={"csrf_token": csrf(page), "email": f"{role}@example.org",
                                            "password": PASSWORD})
            self.clients[role] = client
        created = self.clients["anonymous"].post("/api/v1/tickets", json={
            "message": "I cannot reset my password", "email": "customer@example.org", "language": "en",
            "context": {"query": "reset password", "query_lang": "en", "query_confidence": 0.93}})
        assert created.status_code == 201, created.get_data(as_text=True)
        self.ticket = created.get_json()
        self.valid = {"lang": "en", "slug": "reset-your-password", "token": self.ticket["token"],
                      "ticket_id": str(self.ticket["id"]), "job_id": "1", "batch_id": "1", "number": "1",
                      "code": "de", "name": "searches", "filename": "portal.css"}
        self.rules = sorted(((rule.rule, method, rule.endpoint) for rule in app.url_map.iter_rules()
                             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})), key=str)
        self.csrf = {role: self._token(client) for role, client in self.clients.items()}

    @staticmethod
    def _token(client) -> str:
        return csrf(client.get("/en/contact").get_data(as_text=True))

    def counts(self) -> dict[str, int]:
        # One statement for every table: one round trip per request instead of one per table
        # (on PostgreSQL the sweep spent most of its time waiting on ~40 of them).
        with self.app.app_context():
            row = db.session.execute(select(*(
                select(func.count()).select_from(db.metadata.tables[name]).scalar_subquery().label(name)
                for name in self.tables))).one()
            return dict(zip(self.tables, row, strict=True))

    def path(self, rule: str, hostile_var: str | None, value: str) -> str:
        def fill(match: re.Match) -> str:
            name = match.group(2)
            return _encode(value) if name == hostile_var else quote(self.valid.get(name, "x"), safe="")
        return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)

    def send(self, role: str, method: str, path: str, *, args: dict[str, str] | None = None,
             form: dict[str, str] | None = None, body: str | bytes | None = None, content_type: str | None = None):
        """One request; asserts the invariants and returns the response."""
        client = self.clients[role]
        query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in (args or {}).items())
        if form is not None:
            fields = {"csrf_token": self.csrf[role], **form}
            body = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in fields.items())
            content_type = "application/x-www-form-urlencoded"
        before = self.counts()
        started = time.monotonic()
        response = client.open(path, method=method, query_string=query, data=body, content_type=content_type)
        elapsed = time.monotonic() - started
        described = f"{role} {method} {path}?{query[:200]} body={str(body)[:200]!r}"
        assert response.status_code < 500, described
        assert elapsed < BOUND_SECONDS, f"{elapsed:.1f} s: {described}"
        if response.status_code >= 400:
            assert self.counts() == before, f"refused with {response.status_code} but wrote: {described}"
        if role != "anonymous" and not self._still_signed_in(client):
            self._sign_in_again(role)
        return response

    def _still_signed_in(self, client) -> bool:
        with client.session_transaction() as session:
            return "_user_id" in session

    def _sign_in_again(self, role: str) -> None:
        client = self.clients[role]
        page = client.get("/desk/login").get_data(as_text=True)
        client.post(
            "/desk/login", data={"csrf_token": csrf(page), "email": f"{role}@example.org", "password": PASSWORD}
        )
        self.csrf[role] = self._token(client)


def _portal_app(tmp_path: Path, database_url: str = ""):
    from flask_migrate import upgrade

    from portal.publishing import import_knowledge_base

    # testing=True: an unexpected exception reaches the test as itself, not as a 500 page.
    app = create_app({"data_dir": tmp_path, "search_index_dir": tmp_path / "index", "database_url": database_url,
                      "testing": True, "embeddings": "none", "embeddings_cache": EMBEDDINGS_CACHE,
                      "translation_engines": (), "extra": {"disable_rate_limits": True}})
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        if database_url:
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        import_knowledge_base(db.session, SHIPPED_KB)
        db.session.commit()
    return app


@contextmanager
def _database(kind: str):
    if kind == "sqlite":
        yield ""
    else:
        with postgres_server() as url:
            yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def portal(request, tmp_path_factory):
    with _database(request.param) as url:
        yield Portal(_portal_app(tmp_path_factory.mktemp(f"fuzz-{request.param}"), url))


def _sweep_requests(portal: Portal, rule: str, method: str):
    """The deterministic part: each hostile value in each URL part, then in every field at once."""
    variables = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    for value in HOSTILE:
        for variable in variables:
            yield portal.path(rule, variable, value), None, None
        fields = {name: value for name in FIELDS}
        if method == "GET":
            yield portal.path(rule, None, ""), fields, None
        else:
            yield portal.path(rule, None, ""), None, fields


@pytest.mark.slow
def test_every_route_survives_every_hostile_value(portal):
    swept = set()
    for rule, method, endpoint in portal.rules:
        roles = ["anonymous", "admin"] if endpoint != "accounts.logout" else ["anonymous"]
        for role in roles:
            for path, args, form in _sweep_requests(portal, rule, method):
                portal.send(role, method, path, args=args, form=form)
        swept.add(endpoint)
    assert {"api.create_ticket", "desk.assign", "studio.publish", "public.article"} <= swept


@pytest.mark.slow
def test_api_bodies_hostile_json_and_wrong_content_types(portal):
    token = portal.ticket["token"]
    for path, documents in (("/api/v1/tickets", HOSTILE_JSON + HOSTILE_TICKETS),
                            (f"/api/v1/tickets/{token}/messages", HOSTILE_JSON)):
        for document in documents:
            response = portal.send("anonymous", "POST", path, body=document, content_type="application/json")
            assert response.status_code in (400, 422), document[:80]
            error = response.get_json()["error"]
            assert error["code"] and error["message"]  # machine-readable, with words for people
        for body, content_type in ((b"message=hello+there", "application/x-www-form-urlencoded"),
                                   (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
                                   (b"\xff\xfe\x00", "application/json"), (b"{}", "text/plain")):
            assert portal.send("anonymous", "POST", path, body=body, content_type=content_type).status_code == 400


@pytest.mark.slow
def test_context_of_the_wrong_shape_is_dropped_not_stored(portal):
    response = portal.send("anonymous", "POST", "/api/v1/tickets", content_type="application/json", body=json.dumps({
        "message": "help me please", "context": {"query": 5, "query_lang": "en\r\nX", "query_confidence": True,
                                                 "articles": [None, {}, "reset-your-password"], "extra": "x"}}))
    assert response.status_code == 201
    from portal.support.models import Ticket

    with portal.app.app_context():
        assert db.session.get(Ticket, response.get_json()["id"]).context == {"articles": ["reset-your-password"]}


@pytest.mark.slow
def test_oversized_bodies_are_refused_before_they_are_read(portal):
    big = "x" * (200 * 1024)
    response = portal.send("anonymous", "POST", "/api/v1/tickets", body=json.dumps({"message": big}),
                           content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    page = portal.send("anonymous", "POST", "/en/contact", form={"message": big, "email": "a@example.org"})
    assert page.status_code == 413 and 'lang="en"' in page.get_data(as_text=True)
    for role in ("anonymous", "admin"):
        malformed = portal.send(
            role,
            "POST",
            "/studio/articles/reset-your-password/en/images",
            body=b'--b\r\nContent-Disposition: form-data; name="image"; filename="a\x00.png"\r\n\r\n',
            content_type="multipart/form-data; boundary=b",
        )
        assert malformed.status_code in (302, 400, 413)


text_values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300),
                        st.integers(min_value=-(2**70), max_value=2**70).map(str))


@pytest.mark.slow
def test_random_requests_from_every_role(portal):
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def run(data):
        rule, method, endpoint = data.draw(st.sampled_from(portal.rules))
        roles = [r for r in portal.clients if not (endpoint == "accounts.logout" and r != "anonymous")]
        role = data.draw(st.sampled_from(roles))
        variables = re.findall(r"<(?:\w+:)?(\w+)>", rule)
        hostile_var = data.draw(st.sampled_from([None, *variables]))
        path = portal.path(rule, hostile_var, data.draw(text_values))
        fields = data.draw(st.dictionaries(st.sampled_from(FIELDS), text_values, max_size=6))
        if method == "GET":
            portal.send(role, method, path, args=fields)
        else:
            portal.send(role, method, path, form=fields)

    run()
