"""Settings from the environment. Defaults work out of the box: SQLite in the data folder, DEBUG off."""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _default_data_dir() -> Path:
    """Where the data folder is when LEARNCITY_DATA_DIR is unset: the user's data folder (XDG), never a path
    relative to the working directory (a run from inside the source tree once wrote keys next to the code)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "learncity"


DATA_DIR = Path(os.environ.get("LEARNCITY_DATA_DIR") or _default_data_dir()).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_from_env_or_file(env_name: str, file_name: str, nbytes: int = 50) -> str:
    """A secret from the environment, or generated once into the data folder (mode 0600) and kept."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = DATA_DIR / file_name
    if not path.exists():
        # Written whole under another name, then linked into place: two processes starting at once (the server's
        # workers, the test runner's) both end up with the one secret, never a half-written or empty file.
        draft = DATA_DIR / f".{file_name}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(nbytes))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: theirs is the secret
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_from_env_or_file("SECRET_KEY", "secret_key")
# The key that encrypts personal data at rest (resident ID numbers) and keys their look-up hash.
LEARNCITY_PII_KEY = _secret_from_env_or_file("LEARNCITY_PII_KEY", "pii_key", 32)
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",  # sign-in throttling: failed attempts per account and address, lock-outs (see learncity.core.signin)
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files (no CDN: the machine has no internet)
    "learncity.core",
    "learncity.places",
    "learncity.network",
    "learncity.people",
    "learncity.records",
    "learncity.pools",
    "learncity.catalog",
    "learncity.creditbank",
    "learncity.intake",
    "learncity.monitoring",
    "learncity.governance",
    "django_tasks_db",
    "learncity.demo",
    "learncity.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "learncity.core.page_cache.VersionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "learncity.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "learncity.core.middleware.DisplayPreferencesMiddleware",
    "learncity.core.middleware.DomainErrorMiddleware",
    "learncity.core.middleware.PasswordChangeRequiredMiddleware",
    # Last: turns a sign-in refused by a lock-out into the page that says until when (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "learncity.urls"
WSGI_APPLICATION = "learncity.wsgi.application"
ASGI_APPLICATION = "learncity.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "learncity.core.context_processors.display",
                # Last: the CSRF token, or the sentinel a page cached for everyone carries (learncity.core.cache).
                "learncity.core.page_cache.csrf",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "learncity.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path,
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN,
                # so two writers queue instead of failing with "database is locked" halfway through.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
# The sign-in throttle comes first: a locked account+address (or address) is refused before its password is checked.
AUTHENTICATION_BACKENDS = ["learncity.core.signin.SigninBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes, database handler): failed sign-ins on /login/ and the Django admin, failed
# current-password checks, and failed API tokens (`lc_…`) and provider keys (`lcp_…`) are counted per account and
# address. LEARNCITY_SIGNIN_FAILURES failures of one account from one address lock that account *from that
# address* (not for everyone: a guesser elsewhere cannot lock a person out) until LEARNCITY_SIGNIN_COOLOFF_MINUTES
# after the last one; LEARNCITY_SIGNIN_ADDRESS_FAILURES failures from one address, whatever the accounts, lock the
# address (password spraying), set higher because a school or a library signs in from one address.
LEARNCITY_SIGNIN_FAILURES = int(os.environ.get("LEARNCITY_SIGNIN_FAILURES", "5"))
LEARNCITY_SIGNIN_ADDRESS_FAILURES = max(LEARNCITY_SIGNIN_FAILURES,
                                        int(os.environ.get("LEARNCITY_SIGNIN_ADDRESS_FAILURES", "50")))
LEARNCITY_SIGNIN_COOLOFF_MINUTES = int(os.environ.get("LEARNCITY_SIGNIN_COOLOFF_MINUTES", "15"))
# Reverse proxies in front of the server that append the client's address to X-Forwarded-For (0: none, the
# address is the connection's). Behind one, leaving this 0 would throttle every client as the proxy's address.
# An IPv6 address counts as its /64 wherever it is a throttling key.
LEARNCITY_PROXY_COUNT = int(os.environ.get("LEARNCITY_PROXY_COUNT", "0"))
# LEARNCITY_SIGNIN_ACCOUNT_FAILURES failures of one account within LEARNCITY_SIGNIN_ACCOUNT_COOLOFF_MINUTES, from any
# addresses, lock the account everywhere (a guesser changing address): shorter than the cool-off because it lets a
# guesser lock the owner out, for as long as the guessing goes on plus this window.
LEARNCITY_SIGNIN_ACCOUNT_FAILURES = max(LEARNCITY_SIGNIN_FAILURES,
                                        int(os.environ.get("LEARNCITY_SIGNIN_ACCOUNT_FAILURES", "30")))
LEARNCITY_SIGNIN_ACCOUNT_COOLOFF_MINUTES = min(LEARNCITY_SIGNIN_COOLOFF_MINUTES,
                                               int(os.environ.get("LEARNCITY_SIGNIN_ACCOUNT_COOLOFF_MINUTES", "5")))
AXES_ENABLED = True
AXES_HANDLER = "learncity.core.signin.SigninAttempts"
AXES_FAILURE_LIMIT = LEARNCITY_SIGNIN_FAILURES
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LEARNCITY_SIGNIN_COOLOFF_MINUTES)
# In this order: SigninAttempts reads the first as the account+address count, the second as the address count, the
# third as the account's.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "learncity.core.signin.client_address"
AXES_LOCKOUT_CALLABLE = "learncity.core.views.signin_locked"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "current_password", "new_password", "new_password2",
                             "password1", "password2", "old_password", "new_password1"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["learncity.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {"BACKEND": "learncity.core.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = _env_bool("LEARNCITY_HTTPS")
CSRF_COOKIE_SECURE = _env_bool("LEARNCITY_HTTPS")

# Uploads: spreadsheets are streamed to disk beyond this, and refused beyond LEARNCITY_MAX_UPLOAD_BYTES.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The first handler counts a request's files as they arrive and stops past the route's limit, before the rest is
# received or written (core/uploads.py, LimitedUploadHandler).
FILE_UPLOAD_HANDLERS = ["learncity.core.uploads.LimitedUploadHandler",
                        "django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "django.core.files.uploadhandler.TemporaryFileUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
LEARNCITY_MAX_UPLOAD_BYTES = int(os.environ.get("LEARNCITY_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
# A zip upload (xlsx) is refused, from its central directory, when its entries expand past this in all, or one of
# more than 1 MiB is compressed more than the ratio (real spreadsheets: 8-20x; decompression bombs: hundreds).
# See core/uploads.py and `learncity bench uploads`.
LEARNCITY_MAX_EXPANDED_BYTES = int(os.environ.get("LEARNCITY_MAX_EXPANDED_BYTES", str(256 * 1024 * 1024)))
LEARNCITY_MAX_COMPRESSION_RATIO = float(os.environ.get("LEARNCITY_MAX_COMPRESSION_RATIO", "100"))
# An xlsx's shared strings (the text of its cells, held while its rows are read: about their own size in memory) may
# expand to this, however they compress. See `learncity bench uploads`.
LEARNCITY_MAX_SHARED_STRINGS_BYTES = int(os.environ.get("LEARNCITY_MAX_SHARED_STRINGS_BYTES",
                                                        str(64 * 1024 * 1024)))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_CLASS = "learncity.core.api_contract.BoundedPagination"  # limit 1–100,000, offset 0–10,000,000

# The cache: Redis in production (REDIS_URL, e.g. redis://127.0.0.1:6379/0), shared by every worker; without it (the
# embedded demo, a laptop) each process keeps its own. Invalidation does not depend on the backend: keys carry the
# version numbers the services bump (learncity.core.cache), so a process-local cache is never stale either.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "learncity.core.cache_backends.FailOpenRedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("LEARNCITY_CACHE_PREFIX", "learncity"), "TIMEOUT": 600}}
    # Sessions read from the shared cache, written to both (a signed-in page asks the database one query fewer).
    # Only with a shared cache: a process-local one would let a session signed out in one worker live on in another.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "learncity",
                          "TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 2000}}}

# X-Cache: hit/miss on cached pages (tests, benchmarks); off for the public, to whom it would tell whether someone
# made a given search in the last minutes.
LEARNCITY_CACHE_STATUS_HEADER = os.environ.get("LEARNCITY_CACHE_STATUS_HEADER", "") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The labels of network levels and groups are data, but these verbose names appear in the admin.
ADMIN_SITE_HEADER = _("learncity 终身学习城市")

# Background work (import jobs): Django's tasks framework with the database-backed queue of django-tasks-db; the
# worker is `learncity db_worker` (started by `learncity serve` alongside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LEARNCITY_INTAKE_DIR = DATA_DIR / "intake"
LEARNCITY_INTAKE_MAX_BYTES = int(os.environ.get("LEARNCITY_INTAKE_MAX_BYTES", str(512 * 1024 * 1024)))
# What a provider's xlsx may expand to (a full sheet of 1,048,576 rows of ten columns is about 0.5-1 GiB of XML).
LEARNCITY_INTAKE_MAX_EXPANDED_BYTES = int(os.environ.get("LEARNCITY_INTAKE_MAX_EXPANDED_BYTES",
                                                         str(2048 * 1024 * 1024)))
# Days a finished import job's staged rows (its row-by-row report) are kept; `learncity intake_purge` (and
# `learncity serve`, hourly) deletes them afterwards. The job itself, its counts and message stay.
LEARNCITY_INTAKE_REPORT_DAYS = int(os.environ.get("LEARNCITY_INTAKE_REPORT_DAYS", "90"))
# Database sessions that recognise a job's new records side by side, on PostgreSQL (each its share of the job's
# learners): one a core, at most 4. 1 recognises in the job's own session.
LEARNCITY_INTAKE_RECOGNISERS = int(os.environ.get("LEARNCITY_INTAKE_RECOGNISERS", str(min(4, os.cpu_count() or 1))))

# Monitoring: the public dashboard suppresses cells of fewer people than this (personal data).
LEARNCITY_MONITORING_MIN_CELL = int(os.environ.get("LEARNCITY_MONITORING_MIN_CELL", "10"))
