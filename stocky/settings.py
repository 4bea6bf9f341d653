"""Stocky settings: one module, every value read from the environment (see .env.example)."""

import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The test suite runs with DEBUG off, as production does, but needs no secrets of its own.
TESTING = "pytest" in sys.modules
# A local .env is a convenience for development (`make run` writes one); production passes real environment
# variables. ENV_FILE names another file, or none when empty. The tests never read a developer's .env: their
# settings must not depend on whoever runs them (conftest.py sets ENV_FILE= for the processes they start).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and not TESTING:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Production must set its own key; the development default only exists while DEBUG is on (or in tests).
if DEBUG or TESTING:
    # `or`: an empty SECRET_KEY= line (as in .env.example) means "not set".
    SECRET_KEY = env("SECRET_KEY", default="") or "django-insecure-development-only-key-change-me"
elif not (SECRET_KEY := env("SECRET_KEY", default="")):
    # One line a newcomer can act on, not a traceback (manage.py prints it alone).
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. For development, run `make run` once (it writes a .env with DEBUG=1 and a "
        "generated key) or put DEBUG=1 in .env; in production set SECRET_KEY in the environment."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
FRONTEND_URL = env("FRONTEND_URL", default="http://localhost:5173").rstrip("/")

INSTALLED_APPS = [
    # The admin's theme (stocky/workspace): before django.contrib.admin, whose templates it overrides.
    "unfold",
    # django.contrib.admin, then one pass of the ADMIN_EXTENSIONS below over every page it discovered.
    "stocky.kit.admin_extensions.ExtendedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The admin's log-in guard (accounts/admin_login.py): its failed attempts, listed in the admin.
    "axes",
    "accounts",
    "inventory",
    "orders",
    "production",
    # The operator tools (layers above the business apps, docs/development.md): their commands and admin pages.
    "stocky.exchange",
    "stocky.demo",
    # The staff's workspace: the admin's theme (an ADMIN_EXTENSIONS entry below), sidebar and home page.
    "stocky.workspace",
]

# What the operator tools add to every admin page the apps registered, in this order (stocky/kit/admin_extensions.py):
# the Import and Export pages of the exchange's resources, then the workspace's theme over all of them.
ADMIN_EXTENSIONS = [
    "stocky.exchange.admin.with_exchange_pages",
    "stocky.workspace.admin.themed",
]

MIDDLEWARE = [
    # First: probes come by IP address and over plain HTTP (see stocky/health.py).
    "stocky.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions and CORS (CORS only covers /api/).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Django's session, CSRF, user and messages middleware, doing nothing under API_PATH_PREFIXES, where
    # requests carry a Bearer token (stocky/kit/middleware.py).
    "stocky.kit.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "stocky.kit.middleware.BrowserCsrfViewMiddleware",
    "stocky.kit.middleware.BrowserAuthenticationMiddleware",
    "stocky.kit.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out admin log-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]
API_PATH_PREFIXES = ("/api/",)

ROOT_URLCONF = "stocky.urls"
WSGI_APPLICATION = "stocky.wsgi.application"
# The API answers with and without a trailing slash itself; a redirect would turn a POST into a GET.
APPEND_SLASH = False

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
            ],
        },
    },
]

# --- The staff's workspace: the admin's theme, sidebar and home page (stocky/workspace, docs/admin.md) ------
# Money is shown with this currency (an ISO 4217 code; EUR, USD, GBP and JPY get their symbol).
CURRENCY = env("CURRENCY", default="EUR")
# The admin's home lists the materials short for the production planned in the next this-many days.
WORKSPACE_SHORTFALL_DAYS = env.int("WORKSPACE_SHORTFALL_DAYS", default=7)
UNFOLD = {
    "SITE_TITLE": "Stocky",
    "SITE_HEADER": "Stocky",
    "SITE_SUBHEADER": "Back office",
    "SITE_SYMBOL": "bakery_dining",
    "SITE_URL": "/",
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "stocky.workspace.dashboard.dashboard_callback",
    # Served by Stocky itself, like every file the admin loads (nothing from the internet).
    "STYLES": [lambda request: static("workspace/workspace.css")],
    "SIDEBAR": {
        "show_search": True,
        # Models the sidebar does not name (another app's) stay one click away.
        "show_all_applications": True,
        "navigation": "stocky.workspace.navigation.sidebar",
    },
}

# --- Database -------------------------------------------------------------------------------------
# SQLite by default so a newcomer needs no server; MariaDB/MySQL in production via DATABASE_URL.
# An empty DATABASE_URL= line (as in .env.example) means "not set" too.
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# Seconds (whole) the app waits for MariaDB/MySQL: to connect, for an answer, to send; and for a row lock.
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=5)
DB_READ_TIMEOUT = env.int("DB_READ_TIMEOUT", default=15)
DB_WRITE_TIMEOUT = env.int("DB_WRITE_TIMEOUT", default=15)
DB_LOCK_WAIT_TIMEOUT = env.int("DB_LOCK_WAIT_TIMEOUT", default=10)
# Seconds /healthz gives the database (a connection of its own): under the 4 s the Docker probe waits.
HEALTH_DB_TIMEOUT = env.int("HEALTH_DB_TIMEOUT", default=2)
# What a 503 for a lost database tells clients to wait before trying again (Retry-After, seconds).
DB_UNAVAILABLE_RETRY_AFTER = env.int("DB_UNAVAILABLE_RETRY_AFTER", default=10)
_db = DATABASES["default"]
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Whether a kept connection is pinged before its first query of each request, so that one the database
# dropped (a restart) is replaced instead of failing that request. The ping is one more round trip per
# request (bench/README.md, "A cache hit answered before DRF's dispatch").
_db["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout make concurrent writers wait instead of failing with
    # "database is locked"; WAL lets readers proceed while one writer works (PERFORMANCE.md).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file test database: the in-memory one takes table locks that ignore the timeout, which breaks
    # the tests that race real threads.
    _db["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
    _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] in ("django.db.backends.mysql",):
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        # A row lock waited for longer than DB_LOCK_WAIT_TIMEOUT fails that statement (a 503, try again)
        # before the read timeout below would drop the connection.
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO', "
        f"innodb_lock_wait_timeout={DB_LOCK_WAIT_TIMEOUT}",
        # Django's default for MySQL, kept explicit: REPEATABLE READ breaks the lock-then-check pattern.
        "isolation_level": "read committed",
        # An unreachable server fails the request (and /healthz) in seconds, not at the TCP timeout.
        "connect_timeout": DB_CONNECT_TIMEOUT,
        # A server that stops answering mid-query (frozen, cut off) fails the request with a 503 within
        # seconds, never holding a worker (the web server has no request timeout of its own; docs/operations.md).
        "read_timeout": DB_READ_TIMEOUT,
        "write_timeout": DB_WRITE_TIMEOUT,
    }
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# ModelBackend (log-in by e-mail) plus admin permissions that follow the role (accounts/backends.py).
# First, the admin log-in's guard (django-axes), which refuses a locked-out client before any password check.
AUTHENTICATION_BACKENDS = ["accounts.admin_login.AdminLoginBackend", "accounts.backends.RoleBackend"]

# --- The admin's log-in guard (django-axes, accounts/admin_login.py, docs/security.md) -----------------
# Past this many failed log-ins at /admin/login/ from one client address, or for one account, both are
# refused (429) for the cool-off, right password or not; a successful log-in starts the count again.
# `manage.py axes_reset_username <e-mail>` / `axes_reset_ip <address>` / `axes_reset` unlock at once.
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_HANDLER = "accounts.admin_login.AdminLoginHandler"
AXES_ONLY_ADMIN_SITE = True
AXES_RESET_ON_SUCCESS = True
# Client addresses as the API's throttles see them (NUM_PROXIES); e-mail addresses in lower case.
AXES_CLIENT_IP_CALLABLE = "accounts.throttles.client_ip"
AXES_USERNAME_CALLABLE = "accounts.admin_login.username"
# The admin form's field (and the name Django's authenticate() passes on), not the model's USERNAME_FIELD.
AXES_USERNAME_FORM_FIELD = "username"
# No table row per successful admin log-in (it would only grow); failures are kept until the cool-off ends.
AXES_DISABLE_ACCESS_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every start of a command

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Short dates in the admin ("Tue 15 Dec 2026, 05:30"): stocky/workspace/formats/en/formats.py.
FORMAT_MODULE_PATH = ["stocky.workspace.formats"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Uploaded files (catalogue images): the local MEDIA_ROOT by default; MEDIA_STORAGE=s3 stores them in an
# S3-compatible bucket through django-storages (docs/media.md). An empty value means the library's own
# default (credentials: boto3's usual chain, e.g. AWS_ACCESS_KEY_ID or an instance role).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET_NAME"),
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "region_name": env("S3_REGION_NAME", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env("S3_LOCATION", default=""),
            "custom_domain": env("S3_CUSTOM_DOMAIN", default="") or None,
            # Private objects served through signed, expiring URLs unless a public domain is configured.
            "querystring_auth": env.bool("S3_QUERYSTRING_AUTH", default=True),
            "querystring_expire": env.int("S3_QUERYSTRING_EXPIRE", default=3600),
            "default_acl": None,
            # Names are server-chosen and unique; never overwrite an existing object.
            "file_overwrite": False,
        },
    }
# A JSON body may carry a catalogue image of up to 5 MB as base64 (4/3 larger), plus its other fields.
# Any larger body is a 413, multipart forms included (stocky/kit/parsers.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds an SMTP server may take to accept, answer or take a message before the attempt fails (and is
# retried): without it a server that accepts and never answers holds a worker forever.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=5)
if env("EMAIL_URL", default="").startswith("filemail://"):
    # django-environ drops the leading slash of filemail:///var/mail/stocky; keep the path as written:
    # filemail:///dir is the absolute /dir, filemail://dir the relative dir.
    _mail = urlsplit(env("EMAIL_URL"))
    EMAIL_FILE_PATH = _mail.netloc + _mail.path
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Stocky <no-reply@stocky.local>")

# --- Cache: what every web process must agree on (throttle counts, the token check's user rows) -------
# Shared by default: a table of the database (created by `migrate`, accounts/migrations/0005), so that
# the web server's workers count one limit and see one user row; no server to add. CACHE_URL may name Redis or
# Valkey instead (redis://host:6379/0). A per-process cache (locmemcache://) is only right for one process:
# the tests, where each test starts from an empty cache.
CACHE_URL = env("CACHE_URL", default="") or ("locmemcache://" if TESTING else "dbcache://stocky_cache")
CACHES = {"default": env.cache_url_config(CACHE_URL)}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Django's default of 300 entries would evict live throttle counts under a password-guessing run.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", env.int("CACHE_MAX_ENTRIES", default=100_000))

# --- Background tasks (django-tasks: Django 6's django.tasks API) -----------------------------------
# "immediate": run in-process right after the transaction commits (development, tests).
# "database": queue in the database; `manage.py db_worker` runs them (production).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env("TASKS_BACKEND", default="immediate")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(TASKS_BACKEND, TASKS_BACKEND)}}

# --- Imports (docs/import-export.md) ----------------------------------------------------------------
# The largest file the admin's Import takes (the command-line import streams CSV of any size).
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=20)
# An XLSX workbook is a zip: refused, before anything is decompressed, above these sizes, and while it is
# read above these rows and cells (a 1 MB "zip bomb" can expand to gigabytes of XML).
XLSX_MAX_FILE_MB = env.int("XLSX_MAX_FILE_MB", default=20)
XLSX_MAX_UNCOMPRESSED_MB = env.int("XLSX_MAX_UNCOMPRESSED_MB", default=100)
XLSX_MAX_ROWS = env.int("XLSX_MAX_ROWS", default=100_000)
XLSX_MAX_CELLS = env.int("XLSX_MAX_CELLS", default=2_000_000)
# A running admin import whose worker gave no sign of life for this long was killed (a deploy, OOM): it is
# shown and kept as failed, nothing imported, and can be run again. The worker writes its heartbeat every
# second on MariaDB and PostgreSQL, but on SQLite only as it starts: there, keep this above the longest import.
IMPORT_JOB_STALE_MINUTES = env.int("IMPORT_JOB_STALE_MINUTES", default=10)
# `manage.py prune_import_jobs` deletes finished admin import jobs (and any file they kept) older than this.
IMPORT_JOBS_KEEP_DAYS = env.int("IMPORT_JOBS_KEEP_DAYS", default=90)

# --- Lots -------------------------------------------------------------------------------------------
# The daily expiry digest (`manage.py send_expiry_digest`, docs/lots.md) lists lots expiring within this many days.
LOTS_DIGEST_DAYS = env.int("LOTS_DIGEST_DAYS", default=3)

# --- Invitations ------------------------------------------------------------------------------------
INVITATION_TTL_HOURS = env.int("INVITATION_TTL_HOURS", default=72)
# A failed invitation e-mail is retried this many times, waiting base * 2^(n-1) seconds before retry n:
# on the database backend as a deferred task, on the immediate backend in-process (keep that one short).
INVITATION_EMAIL_MAX_RETRIES = env.int("INVITATION_EMAIL_MAX_RETRIES", default=5)
INVITATION_EMAIL_RETRY_BACKOFF_SECONDS = env.float("INVITATION_EMAIL_RETRY_BACKOFF_SECONDS", default=60)
INVITATION_EMAIL_INLINE_BACKOFF_SECONDS = env.float("INVITATION_EMAIL_INLINE_BACKOFF_SECONDS", default=0.5)
# An invitation still "sending" this long after its attempt began lost its worker (an attempt lasts at most a
# few EMAIL_TIMEOUTs): `manage.py recover_invitations` and the admin's invitations page send it again.
INVITATION_SENDING_STALE_MINUTES = env.int("INVITATION_SENDING_STALE_MINUTES", default=5)

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # simplejwt's JWTAuthentication, with each process remembering the user's row for a few seconds.
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.CachedJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.RolePermission"],
    # JSON only: no browsable API, so no response from /api/ is ever HTML.
    # DRF's JSONRenderer output, encoded by orjson (stocky/kit/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["stocky.kit.renderers.FastJSONRenderer"],
    # DRF's, with a 400 or 413 where DRF let a hostile body through (stocky/kit/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "stocky.kit.parsers.JSONParser",
        "stocky.kit.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "stocky.kit.api.BoundedSearchFilter",
        "stocky.kit.api.StrictOrderingFilter",
    ],
    "EXCEPTION_HANDLER": "stocky.kit.api.exception_handler",
    # The OpenAPI schema (/api/v1/schema/): envelopes and error responses are added in stocky/kit/schema.py.
    "DEFAULT_SCHEMA_CLASS": "stocky.kit.schema.StockyAutoSchema",
    # Quantities and money are JSON numbers, never strings (SPEC section 0).
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Log-in, refresh and register are throttled per client IP and per account (accounts/throttles.py).
    "DEFAULT_THROTTLE_RATES": {
        "auth_ip": env("THROTTLE_AUTH_IP_RATE", default="30/min"),
        "auth_account": env("THROTTLE_AUTH_ACCOUNT_RATE", default="10/min"),
    },
    # How many reverse proxies add to X-Forwarded-For; 0 trusts only the socket address (no spoofing).
    # Behind one proxy (compose's Caddy, an nginx) it must be 1, or every client shares the proxy's address
    # and its limits. The admin log-in counts failures by the same address (accounts.throttles.client_ip).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# --- OpenAPI schema and docs page (docs/api.md "Schema") ---------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Stocky API",
    "DESCRIPTION": "Raw materials, recipes, production, clients, orders and a catalogue for small producers. "
    "Manufacturing endpoints answer in the success envelope, hub endpoints in bare camelCase JSON, and every "
    "error in the one error envelope. Log in with POST /api/v1/auth/login and send the access token as "
    "`Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Read-only fields (ids, timestamps, names of related records) are not part of request bodies.
    "COMPONENT_SPLIT_REQUEST": True,
    # Bodies are documented as JSON; the few endpoints that take an upload add multipart themselves.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # The schema and the docs page are public (they describe the API, not its data) and ignore any token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files (drf-spectacular-sidecar): the docs page works without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public online validator; keep the token across reloads of the page.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": True, "deepLinking": True},
    # Orders and production plans both have a `status`, with different values: one enum each, named for it.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "ProductionPlanStatusEnum": "production.models.PlanStatus",
        "LotStatusEnum": "inventory.models.Lot.Status",
        "LotItemTypeEnum": "inventory.models.Lot.ItemType",
        "StockMovementItemTypeEnum": "inventory.models.StockMovement.ItemType",
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    # `or`: an empty JWT_SIGNING_KEY= (as in .env.example) must not sign tokens with an empty key.
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    # Every refresh hands out a new refresh token and revokes the used one (token_blacklist).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}
# Seconds the shared cache keeps a user's row for the token check (accounts/authentication.py). A change saved
# through the ORM (deactivation, role, password) replaces the row when it commits, at once for every worker;
# this bounds only changes made around it, such as a plain UPDATE (0: read the row on every request).
AUTH_USER_CACHE_SECONDS = env.float("AUTH_USER_CACHE_SECONDS", default=60)
# The API's reads (docs/caching.md): every GET of a list or record answers with an ETag (If-None-Match gets a
# 304), and each process keeps recent answers, served again while the versions of the tables they read (kept
# by database triggers) are unchanged. READ_CACHE=0 turns both off; READ_CACHE_ENTRIES=0 keeps the ETags only.
READ_CACHE = env.bool("READ_CACHE", default=True)
READ_CACHE_ENTRIES = env.int("READ_CACHE_ENTRIES", default=2000)
READ_CACHE_BYTES = env.int("READ_CACHE_BYTES", default=64 * 1024 * 1024)  # per process

# --- Deployment: static files, HTTPS, proxies, cross-origin requests ---------------------------------
# WhiteNoise serves the hashed, pre-compressed files that `collectstatic` writes (browsers cache them for
# good). The manifest only exists after collectstatic, so the tests keep the plain storage.
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    if TESTING
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
# Without collectstatic (development, tests) WhiteNoise serves files straight from the apps.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Secure by default whenever DEBUG is off, so `manage.py check --deploy` passes with only SECRET_KEY and
# ALLOWED_HOSTS set. Tests run with DEBUG off over plain HTTP, so they get no HTTPS redirect.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
# Load-balancer probes use plain HTTP (the health middleware answers them first anyway).
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# Browsers then refuse plain HTTP to this host for that long (one year); never sent by a development server.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading asks browser vendors to hard-code HTTPS for the domain, which takes months to undo: an opt-in.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The check looks for Django's CsrfViewMiddleware by name; stocky.kit.middleware.BrowserCsrfViewMiddleware is that
# class, skipped only under /api/ (Bearer tokens, no cookies), so every browser path keeps CSRF protection.
SILENCED_SYSTEM_CHECKS.append("security.W003")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a proxy that terminates TLS: the header it sets and the value meaning HTTPS, e.g.
# "HTTP_X_FORWARDED_PROTO,https". Only set it when the proxy always sets (or strips) that header.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_header)
# Origins whose forms may post to the admin (scheme included), e.g. https://stocky.example.com.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The single-page app calls the API from its own origin. Auth is a Bearer header, not a cookie, so no
# credentials; the default allowed headers include Authorization.
_frontend = urlsplit(FRONTEND_URL)
CORS_ALLOWED_ORIGINS = list(
    dict.fromkeys(
        [f"{_frontend.scheme}://{_frontend.netloc}"]
        + [origin.rstrip("/") for origin in env.list("CORS_ALLOWED_ORIGINS", default=[])]
    )
)
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False

# --- Logging: everything to stdout, where containers and process managers collect it ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING", "propagate": True}},
}
