"""Django settings for Xiezuo, read from the environment.

DATABASE_URL      any dj-database-url URL; default: SQLite file under XIEZUO_DATA_DIR
XIEZUO_DATA_DIR   where the database, keys, uploads and job files live; default ./var
XIEZUO_SECRET_KEY session signing key; default: generated once into XIEZUO_DATA_DIR
XIEZUO_FIELD_KEYS comma-separated Fernet keys for identity numbers (first encrypts);
                  default: generated once into XIEZUO_DATA_DIR
XIEZUO_DEBUG      "1" for development
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from xiezuo.web import api_docs

# Everything this process creates (database, keys, uploads, job files, reports) is its owner's alone: the files
# hold personal data and keys, so they are created 0600 (directories 0700), never world-readable first.
os.umask(0o077)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("XIEZUO_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _private(path: Path, mode: int) -> None:
    """Tighten a file or folder created by an earlier version (or by hand) to `mode` if it is looser."""
    try:
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            path.chmod(mode)
    except FileNotFoundError:
        pass


_private(DATA_DIR, 0o700)


def _persistent_secret(name: str, make) -> str:
    """A secret from the data dir, created on first use (0600 from the start) so a restart keeps sessions and keys."""
    path = DATA_DIR / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _private(path, 0o600)
    else:
        with os.fdopen(fd, "w") as out:
            out.write(make())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("XIEZUO_SECRET_KEY") or _persistent_secret(
    "secret.key", lambda: secrets.token_urlsafe(50)
)


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


XIEZUO_FIELD_KEYS = [
    k.strip()
    for k in (os.environ.get("XIEZUO_FIELD_KEYS") or _persistent_secret("field.keys", _new_fernet_key)).split(",")
    if k.strip()
]

DEBUG = os.environ.get("XIEZUO_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("XIEZUO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("XIEZUO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    # Xiezuo first: an app listed earlier wins for translations, so our catalogs take precedence
    # over Django's own for shared msgids ("Disabled" is 残疾 in the registry, not 禁用).
    "xiezuo.accounts",
    "xiezuo.geo",
    "xiezuo.registry",
    "xiezuo.policy",
    "xiezuo.measure",
    "xiezuo.monitoring",
    "xiezuo.cooperation",
    "xiezuo.projects",
    "xiezuo.labor",
    "xiezuo.consumption",
    "xiezuo.talent",
    "xiezuo.assessment",
    "xiezuo.field",
    "xiezuo.dataio",
    "xiezuo.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "xiezuo.web.limits.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xiezuo.accounts.middleware.RequestContextMiddleware",
    "xiezuo.accounts.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "xiezuo.urls"
WSGI_APPLICATION = "xiezuo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xiezuo.web.context.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'xiezuo.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] not in ("", ":memory:"):
    # SQLite gives its -wal and -shm files the database file's mode: create the database 0600 before it does
    _db = Path(DATABASES["default"]["NAME"])
    if _db.parent.is_dir():
        os.close(os.open(_db, os.O_WRONLY | os.O_CREAT, 0o600))
        for _file in (_db, Path(f"{_db}-wal"), Path(f"{_db}-shm")):
            _private(_file, 0o600)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a background job writes; IMMEDIATE avoids
    # "database is locked" upgrades in write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("XIEZUO_TEST_DATABASE_URL"):
    # pytest-django creates "test_<NAME>" from this and drops it afterwards.
    DATABASES["default"] = dj_database_url.parse(os.environ["XIEZUO_TEST_DATABASE_URL"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our zh_Hans/en formats: ISO date input first (<input type="date"> takes nothing else), digits grouped by 3.
FORMAT_MODULE_PATH = ["xiezuo.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False


def https_settings(env) -> dict:
    """HTTPS and reverse-proxy settings from the environment (a function so tests can apply them).

    XIEZUO_HTTPS=1: Secure cookies, HSTS and the redirect to https. XIEZUO_PROXY=1: the server sits behind a
    reverse proxy that terminates TLS and sets X-Forwarded-Proto/-Host (and strips them from clients); only
    then are those headers believed (a client could send them itself)."""
    https, proxy = env.get("XIEZUO_HTTPS", "") == "1", env.get("XIEZUO_PROXY", "") == "1"
    out: dict = {"SESSION_COOKIE_SECURE": https, "CSRF_COOKIE_SECURE": https}
    if https:
        out["SECURE_HSTS_SECONDS"] = int(env.get("XIEZUO_HSTS_SECONDS", "31536000"))
        out["SECURE_SSL_REDIRECT"] = env.get("XIEZUO_SSL_REDIRECT", "1") == "1"
        # A government site's subdomains are served over TLS too; set these to 0 only for a shared domain.
        out["SECURE_HSTS_INCLUDE_SUBDOMAINS"] = env.get("XIEZUO_HSTS_SUBDOMAINS", "1") == "1"
        out["SECURE_HSTS_PRELOAD"] = env.get("XIEZUO_HSTS_PRELOAD", "1") == "1"
        out["SECURE_REDIRECT_EXEMPT"] = [r"^healthz$"]  # the proxy's health check may come over plain HTTP
    if proxy:
        out["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
        out["USE_X_FORWARDED_HOST"] = True
    return out


globals().update(https_settings(os.environ))
X_FRAME_OPTIONS = "DENY"
# Sessions end after 8 hours or when the browser closes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "xiezuo_session"
CSRF_COOKIE_SAMESITE = "Lax"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "xiezuo"}}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Bodies other than file uploads (forms, JSON): 10 MB. File uploads: XIEZUO_UPLOAD_MAX_MB (default 50); both are
# refused with 413 from their Content-Length before they are read (xiezuo.web.limits).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = int(float(os.environ.get("XIEZUO_UPLOAD_MAX_MB", "50")) * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads stream to a temporary file (0600), not memory
# Uploaded import files and problem reports are removed this many days after they were written (by every import
# job and by `xiezuo purge`, e.g. daily from cron); export files after 7 days.
DATAIO_RETENTION_DAYS = float(os.environ.get("XIEZUO_RETENTION_DAYS", "7"))
# Exports of more rows than this run as a background job with progress (the page then offers the file);
# smaller ones download at once.
DATAIO_EXPORT_INLINE_ROWS = int(os.environ.get("XIEZUO_EXPORT_INLINE_ROWS", "20000"))

# Exports with identity numbers in clear (permission accounts.bulk_unmask): at most this many per user per hour.
XIEZUO_BULK_UNMASK_PER_HOUR = int(os.environ.get("XIEZUO_BULK_UNMASK_PER_HOUR", "3"))
# Identity numbers found registered outside the user's area ("elsewhere" answers, each audited for the holder's
# county): at most this many per user per hour; past it, the user's new identity numbers are refused unlooked-at
# for the rest of the hour, so nobody can map who is registered where by trying numbers (registry.services).
XIEZUO_DUPLICATE_PROBES_PER_HOUR = int(os.environ.get("XIEZUO_DUPLICATE_PROBES_PER_HOUR", "100"))
# What-if runs run as background jobs, at most this many at once (each reads the whole registry).
MEASURE_WHAT_IF_CONCURRENT = int(os.environ.get("XIEZUO_WHAT_IF_CONCURRENT", "1"))

# Background work: Django's Tasks API (the django-tasks backport) on the database backend; `xiezuo worker`
# runs the tasks. "immediate" runs a task at once in the caller (DATAIO_RUN_JOBS="inline": tests).
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
DATAIO_RUN_JOBS = os.environ.get("XIEZUO_RUN_JOBS", "queue")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["xiezuo.web.limits.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "xiezuo.accounts.authentication.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xiezuo.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "xiezuo.accounts.authentication.ScopedBrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "xiezuo.accounts.authentication.exception_handler",
}
# `check --deploy` also builds the API schema; drf-spectacular's W001 is about the generated names of
# enum types in the OpenAPI document (cosmetic), not about running the site safely.
SILENCED_SYSTEM_CHECKS = ["drf_spectacular.W001"]
# Title, description and tag descriptions are lazy (xiezuo.web.api_docs, in the web app's catalogue): the schema and
# the docs page that reads it come in the request's language, zh-hans by default.
SPECTACULAR_SETTINGS = {
    "TITLE": api_docs.TITLE,
    "DESCRIPTION": api_docs.DESCRIPTION,
    "TAGS": api_docs.TAGS,
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # operation and parameter descriptions in the request's language (after the default enum hook)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "xiezuo.web.api_docs.translate_schema"],
}

# One JSON line per event on stderr (journald or the container collects it), with the request's or job's
# user and scope; identity numbers are masked before any handler writes (accounts/logs.py).
# XIEZUO_LOG_LEVEL=INFO adds a line per request and per job.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "xiezuo.accounts.logs.ContextFilter"},
        "mask": {"()": "xiezuo.accounts.logs.MaskIdentityNumbers"},
    },
    "formatters": {"json": {"()": "xiezuo.accounts.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                             "filters": ["context", "mask"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("XIEZUO_LOG_LEVEL", "WARNING")},
}

# The address families' phones reach, encoded in the villages' self-report QR posters (docs/field.md).
XIEZUO_PUBLIC_URL = os.environ.get("XIEZUO_PUBLIC_URL", "")
