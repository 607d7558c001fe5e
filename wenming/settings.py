"""Wenming settings: one file, driven by the environment.

Environment variables:
- ``DATABASE_URL``: default ``sqlite:///var/wenming.sqlite3`` (WAL mode); ``postgres://...`` for PostgreSQL.
- ``SECRET_KEY``: when absent, generated once into ``var/secret_key`` (never committed).
- ``DEBUG``: ``1`` for development.
- ``ALLOWED_HOSTS``: comma-separated, default ``127.0.0.1,localhost``.
- ``REDIS_URL``: Celery broker; when absent tasks run eagerly (embedded default).
- ``WENMING_OFFICE_HOURS``: office hours for working-hour deadlines, e.g. ``08:30-12:00,13:30-17:30``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

from wenming.notifications.schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WENMING_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    # Generated once per installation so a fresh clone works without configuration,
    # while no key is ever committed.
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "wenming.core",
    "wenming.geo",
    "wenming.taxonomy",
    "wenming.org",
    "wenming.cases",
    "wenming.notifications",
    "wenming.public",
    "wenming.inspections",
    "wenming.campaign",
    "wenming.assessment",
    "wenming.briefings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one address after 5 failed logins, for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "wenming.urls"
WSGI_APPLICATION = "wenming.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "wenming" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wenming.notifications.context.unread_count",
                "wenming.org.context.roles",
                "wenming.public.context.pending_reports",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wenming.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: a new connection per request unless CONN_MAX_AGE is set explicitly (gunicorn
    # workers set it: opening a connection, with its PRAGMAs and Django's functions, costs
    # about 1.5 ms of CPU per request; bench/open311.py).
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE") or 0)
    # Django's backend, with write transactions queued on a lock file (see its docstring).
    DATABASES["default"]["ENGINE"] = "wenming.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two transitions on one case serialise instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file, not ":memory:": an in-memory shared-cache database has table locks
    # that concurrent connections cannot wait on, so the concurrency tests would not be real.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif os.environ.get("WENMING_TEST_DB"):
    # Lets two test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["WENMING_TEST_DB"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# The UI is Chinese for everyone: no LocaleMiddleware, so a browser set to English (as
# headless browsers are) still gets the office's language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "wenming" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "wenming" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it from the page, not the cookie; kept default

# Map on case pages: tile URL template and its datum. Empty URL: no tiles, the point and the
# boundaries are drawn on a plain background (intranets often have no tile server).
WENMING_MAP_TILE_URL = os.environ.get("WENMING_MAP_TILE_URL", "")
WENMING_MAP_TILE_DATUM = os.environ.get("WENMING_MAP_TILE_DATUM", "wgs84")
WENMING_MAP_ATTRIBUTION = os.environ.get("WENMING_MAP_ATTRIBUTION", "")

# Working calendar: office hours for working-hour deadlines (Asia/Shanghai local time).
WENMING_OFFICE_HOURS = os.environ.get("WENMING_OFFICE_HOURS", "08:30-12:00,13:30-17:30")
# A point closer than this to a boundary between two areas is flagged for the office (metres).
WENMING_BOUNDARY_MARGIN_M = float(os.environ.get("WENMING_BOUNDARY_MARGIN_M", "30"))
# The city whose outline bounds every case location (statistical division code).
WENMING_CITY_CODE = os.environ.get("WENMING_CITY_CODE", "371500")

# Celery: Redis in production; eager (in-process) when no broker is configured.
CELERY_BROKER_URL = os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

# Notifications, reminders and escalation (督办); see docs/operations.md.
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
WENMING_BASE_URL = os.environ.get("WENMING_BASE_URL", "http://127.0.0.1:8000")
# The issuing office on 督办单 and briefings, e.g. 聊城市创建全国文明城市工作办公室; empty: default.
WENMING_OFFICE_NAME = os.environ.get("WENMING_OFFICE_NAME", "")
WENMING_ESCALATION_NUMBER_PREFIX = os.environ.get("WENMING_ESCALATION_NUMBER_PREFIX", "")
# Open311 discovery (GeoReport v2 "contact" and "key_service"): who runs the endpoint and how a
# client gets an api_key (the office registers clients: manage.py open311_client).
WENMING_OPEN311_CONTACT = os.environ.get("WENMING_OPEN311_CONTACT", "")
WENMING_OPEN311_KEY_SERVICE = os.environ.get(
    "WENMING_OPEN311_KEY_SERVICE", "api_key 由创城办登记发放，请联系创城办。"
)
WENMING_OPEN311_CACHE_SECONDS = float(os.environ.get("WENMING_OPEN311_CACHE_SECONDS", "10"))
WENMING_REMIND_DUE_SOON_WORKING_HOURS = float(
    os.environ.get("WENMING_REMIND_DUE_SOON_WORKING_HOURS", "2")
)
WENMING_ESCALATE_LEVEL2_WORKING_DAYS = int(
    os.environ.get("WENMING_ESCALATE_LEVEL2_WORKING_DAYS", "3")
)
WENMING_ESCALATION_RESPOND_WORKING_DAYS = int(
    os.environ.get("WENMING_ESCALATION_RESPOND_WORKING_DAYS", "1")
)
WENMING_DIGEST_HOUR = int(os.environ.get("WENMING_DIGEST_HOUR", "8"))
WENMING_SMS_BACKEND = os.environ.get(
    "WENMING_SMS_BACKEND", "wenming.notifications.sms.LoggingSmsBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wenming@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
