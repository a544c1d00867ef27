"""Settings of the Xentral Hub, read from the environment (DESIGN section 9).

Every setting has a safe default for local use: SQLite, django-q2's ORM broker and the built-in
Xentral sandbox on 127.0.0.1:8765.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
LOCAL_SECRET_KEY = "insecure-local-development-key-change-me-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=LOCAL_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    # A deploy (DEBUG=False) must bring its own key: gunicorn runs no system checks, so the
    # settings refuse to load instead of signing sessions with the key from the repository.
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is False.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    # The hub's apps in layer order, lowest first (import-linter checks it in pyproject.toml).
    "backoffice",
    "catalog",
    "orders",
    "stock",
    # Channel connectors sit on top of the apps.
    "connectors.centra",
]

MIDDLEWARE = [
    "backoffice.middleware.ApiProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "backoffice.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into the "locked out" answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

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

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hub.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT_S", default=30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so the live server's threads and helper processes of a test can share
    # it (pass them DATABASE_URL=sqlite:///<connection NAME>); one per test run, so concurrent
    # runs never share one.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("HUB_TEST_DB", default=str(VAR_DIR / f"test-hub-{os.getpid()}.sqlite3"))
    }
# Connections are kept between requests (each thread its own): opening one per request, with
# SQLite's pragmas, cost a warm order more CPU than its SQL (`bench/orders.py`).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is checked.
    "backoffice.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is refused (429) for AXES_COOLOFF_MINUTES, even with the right
# password. `manage.py axes_reset_username NAME` lifts a lockout early.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hub@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Security (clean under `manage.py check --deploy` with DEBUG=False) ---------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backoffice.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["backoffice.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["backoffice.api.throttling.ChannelRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"channel": env.str("API_CHANNEL_RATE", default="600/min")},
    "DEFAULT_PARSER_CLASSES": ["backoffice.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "backoffice.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Xentral Hub API",
    "DESCRIPTION": "Orders, catalog imports and stock for sales channels connected to Xentral.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response shapes differ (unknown request fields are refused), so each gets
    # its own component; the hooks make the document say what the API really does.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backoffice.api.schema.strip_trailing_slashes",
        "backoffice.api.schema.closed_request_bodies",
        "backoffice.api.schema.non_blank_strings",
        "backoffice.api.schema.operation_links",
        "catalog.schema.catalog_request_rules",
        "orders.schema.order_request_rules",
    ],
}
# Requests above this size answer 413 (DESIGN section 7); catalog files may be larger.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# A catalog upload is checked and stored in the request; its dry run is a background job.
CATALOG_IMPORT_MAX_ROWS = env.int("CATALOG_IMPORT_MAX_ROWS", default=100_000)
CATALOG_IMPORT_MAX_FIELD_CHARS = env.int("CATALOG_IMPORT_MAX_FIELD_CHARS", default=65_536)
# Rows the dry run classifies per job (lookups of unknown numbers go 50 to a Xentral call).
CATALOG_DRY_RUN_CHUNK = env.int("CATALOG_DRY_RUN_CHUNK", default=1000)
DATA_UPLOAD_MAX_MEMORY_SIZE = CATALOG_IMPORT_MAX_BYTES
# Larger uploads go to a temporary file and are read from there as a stream.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# JSON bodies nested deeper than this answer 400 (recursion and storage would fail on them).
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)

# --- Xentral --------------------------------------------------------------------------------
XENTRAL_URL = env.str("XENTRAL_URL", default="http://127.0.0.1:8765")
# The sandbox's token is a default for local use only; a deploy names its Xentral token.
XENTRAL_TOKEN = env.str("XENTRAL_TOKEN", default="sandbox-token" if DEBUG else "")
if not XENTRAL_TOKEN:
    raise ImproperlyConfigured("XENTRAL_TOKEN must be set in the environment when DEBUG is False.")
XENTRAL_CONNECT_TIMEOUT_S = env.float("XENTRAL_CONNECT_TIMEOUT_S", default=3.05)
XENTRAL_READ_TIMEOUT_S = env.float("XENTRAL_READ_TIMEOUT_S", default=20.0)
# A web request never sleeps longer than this for the rate limit; longer waits raise instead.
XENTRAL_MAX_INLINE_WAIT_S = env.float("XENTRAL_MAX_INLINE_WAIT_S", default=2.0)
# Calls of Xentral's window that web requests (concurrent, in several processes) leave to the
# worker, which sends one at a time: another process's calls in flight are not in a process's
# count of what Xentral has left, and would be answered 429.
XENTRAL_HEADROOM = env.int("XENTRAL_HEADROOM", default=3)
XENTRAL_GET_RETRIES = env.int("XENTRAL_GET_RETRIES", default=2)
XENTRAL_RATE_LIMIT = env.int("XENTRAL_RATE_LIMIT", default=100)
# Beta: create new order customers with POST /api/v3/customers (address inline, number in
# the answer). A 403/404 turns it off for that instance for a day (backoffice.xentral.features).
XENTRAL_V3_CUSTOMERS = env.bool("XENTRAL_V3_CUSTOMERS", default=False)
XENTRAL_RATE_WINDOW_S = env.float("XENTRAL_RATE_WINDOW_S", default=60.0)
# Shares of the limit that bulk purposes may use per window; orders take what the window has left.
XENTRAL_BUDGET_SHARES = {
    "catalog": env.float("XENTRAL_BUDGET_CATALOG", default=0.60),
    "stock": env.float("XENTRAL_BUDGET_STOCK", default=0.20),
    "fulfilment": env.float("XENTRAL_BUDGET_FULFILMENT", default=0.10),
}
# Xentral events the hub subscribes to when Xentral offers them (GET /api/v1/webhookEventTypes).
# Events only speed things up: polling finds the same changes when they are off or lost.
XENTRAL_WEBHOOK_EVENTS = env.list(
    "XENTRAL_WEBHOOK_EVENTS",
    default=[
        "com.xentral.salesOrder.updated.v1",
        "com.xentral.salesOrder.dispatched.v1",
        "com.xentral.shipment.created.v1",
        "com.xentral.reservation.changed.v1",
        "com.xentral.storageItem.movement.v1",
    ],
)
# An order created in Xentral but not shipped after this many days is flagged on the dashboard.
ORDER_UNSHIPPED_AFTER_DAYS = env.float("ORDER_UNSHIPPED_AFTER_DAYS", default=3)
# While orders wait for room, bulk purposes shrink to this share of the limit.
XENTRAL_BUDGET_FLOOR = env.float("XENTRAL_BUDGET_FLOOR", default=0.05)
XENTRAL_OPENAPI_DIR = env.str(
    "XENTRAL_OPENAPI_DIR", default=str(BASE_DIR.parent / "shared" / "xentral-openapi")
)


# The incremental product sync re-reads changes this many seconds before the newest it saw.
PRODUCT_SYNC_OVERLAP_S = env.float("PRODUCT_SYNC_OVERLAP_S", default=5.0)


def _tax_rates(raw: str) -> dict[str, Decimal]:
    rates = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        category, _, rate = part.partition("=")
        rates[category.strip()] = Decimal(rate.strip())
    return rates


TAX_RATES = _tax_rates(env.str("TAX_RATES", default="standard=19,reduced=7,free=0"))

# --- Orders ---------------------------------------------------------------------------------
ORDER_RETRY_BASE_S = env.float("ORDER_RETRY_BASE_S", default=30.0)
ORDER_RETRY_CAP_S = env.float("ORDER_RETRY_CAP_S", default=3600.0)
ORDER_MAX_ATTEMPTS = env.int("ORDER_MAX_ATTEMPTS", default=8)
# A Xentral event whose handler raised is retried (that handler only) with backoff, then left
# failed for staff ("retry now" in the admin).
XENTRAL_EVENT_RETRY_BASE_S = env.float("XENTRAL_EVENT_RETRY_BASE_S", default=30.0)
XENTRAL_EVENT_RETRY_CAP_S = env.float("XENTRAL_EVENT_RETRY_CAP_S", default=3600.0)
XENTRAL_EVENT_MAX_ATTEMPTS = env.int("XENTRAL_EVENT_MAX_ATTEMPTS", default=6)
# A worker whose last sweep is older than this is dead: the dashboard and GET /api/v1/health
# say so, and its order claims are released without waiting out the five-minute stale claim.
WORKER_DEAD_AFTER_S = env.float("WORKER_DEAD_AFTER_S", default=120.0)
# How long one sweep keeps draining queued orders (waiting for the next rate window between
# batches) before it returns; the every-minute schedule starts the next one.
ORDER_SWEEP_MAX_S = env.float("ORDER_SWEEP_MAX_S", default=55.0)
WEBHOOK_TIMEOUT_S = env.float("WEBHOOK_TIMEOUT_S", default=5.0)
# The hub's public URL, for absolute order links where no request is at hand (webhooks, retries).
# Outbound calls on a channel's behalf (webhooks, platform endpoints): backoffice/outbound.py.
# Host names, addresses or CIDR ranges that may be plain http or non-public (loopback stand-ins).
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
OUTBOUND_DEADLINE_S = env.float("OUTBOUND_DEADLINE_S", default=10.0)
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=64 * 1024)
HUB_BASE_URL = env.str("HUB_BASE_URL", default="http://localhost:8000")

# --- Centra connector (connectors/centra) ------------------------------------------------------
# Centra's buckets are shared by every integration on an environment; defaults: the "Growth" tier.
CENTRA_REQUESTS_PER_10S = env.int("CENTRA_REQUESTS_PER_10S", default=60)
CENTRA_REQUESTS_PER_HOUR = env.int("CENTRA_REQUESTS_PER_HOUR", default=5000)
CENTRA_MUTATIONS_PER_10S = env.int("CENTRA_MUTATIONS_PER_10S", default=20)
CENTRA_MUTATIONS_PER_HOUR = env.int("CENTRA_MUTATIONS_PER_HOUR", default=1800)
# A worker waits inline for Centra's room (a 429's Retry-After or our own bucket) up to this.
CENTRA_MAX_INLINE_WAIT_S = env.float("CENTRA_MAX_INLINE_WAIT_S", default=10.0)
CENTRA_TIMEOUT_S = env.float("CENTRA_TIMEOUT_S", default=15.0)
CENTRA_WEBHOOK_TOLERANCE_S = env.int("CENTRA_WEBHOOK_TOLERANCE_S", default=300)

# --- Stock ----------------------------------------------------------------------------------
STOCK_MIN_SELLABLE_DEFAULT = env.float("STOCK_MIN_SELLABLE_DEFAULT", default=5)
STOCK_RESERVED_RATIO = env.float("STOCK_RESERVED_RATIO", default=0.8)
STOCK_NEAR_ZERO = env.float("STOCK_NEAR_ZERO", default=1)
STOCK_HIGH_OPEN_ORDERS = env.float("STOCK_HIGH_OPEN_ORDERS", default=10)
# A product is refreshed at the latest after this many minutes (low-stock ones sooner).
STOCK_MAX_AGE_MIN = env.float("STOCK_MAX_AGE_MIN", default=60)
STOCK_LOW_MAX_AGE_MIN = env.float("STOCK_LOW_MAX_AGE_MIN", default=10)
# With Xentral's stock events subscribed, the stockCount list check sweeps every product once
# per this many minutes (a safety net for lost events) instead of every cycle.
STOCK_EVENTS_SWEEP_MIN = env.float("STOCK_EVENTS_SWEEP_MIN", default=60)
STOCK_ALERT_EMAILS = env.list("STOCK_ALERT_EMAILS", default=[])
# No low-stock alert this many hours after a product's first snapshot (new products start at 0).
STOCK_ALERT_GRACE_H = env.float("STOCK_ALERT_GRACE_H", default=24)
STOCK_HISTORY_DAYS = env.int("STOCK_HISTORY_DAYS", default=90)

# --- Jobs (django-q2) -----------------------------------------------------------------------
Q2_REDIS_URL = env.str("Q2_REDIS_URL", default="")
# Every Redis key of the hub (the rate counter, django-q2's queue) starts with this name, so
# hubs sharing one Redis server keep apart. Parallel test workers (pytest-xdist) each get their
# own, as each gets its own test database.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="hub")
if os.environ.get("PYTEST_XDIST_WORKER"):
    _run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8]
    REDIS_KEY_PREFIX += f"-test-{_run}-{os.environ['PYTEST_XDIST_WORKER']}"
Q_CLUSTER = {
    "name": REDIS_KEY_PREFIX,
    "workers": env.int("Q2_WORKERS", default=2),
    "timeout": env.int("Q2_TIMEOUT_S", default=600),
    # Longer than timeout, or a slow task is handed out twice.
    "retry": env.int("Q2_RETRY_S", default=720),
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "ack_failures": True,
    "sync": env.bool("Q2_SYNC", default=False),
    "label": "Jobs",
}
if Q2_REDIS_URL:
    Q_CLUSTER["redis"] = Q2_REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

HUB_REQUIRE_ALL = env.bool("HUB_REQUIRE_ALL", default=False)
