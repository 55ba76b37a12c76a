"""Resettle settings, read from the environment.

Defaults give the embedded development setup (SQLite, eager Celery); set DATABASE_URL and
CELERY_BROKER_URL for PostgreSQL and Redis. DEBUG is off unless DJANGO_DEBUG is set, and
production hardening is on whenever DEBUG is off. Every variable is listed in README.md.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    return env(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY") or ("dev-only-insecure-key" if DEBUG else None)
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "guardian",
    "govuk_frontend_django",
    "axes",  # security: sign-in lockout
    "django_otp",  # security: two-factor (TOTP)
    "django_otp.plugins.otp_totp",
    "csp",  # security: Content-Security-Policy
    "core",
    "agencies",
    "audit",
    "consent",
    "casework",
    "referrals",
    "employers",
    "custody",
    "reporting",
]

MIDDLEWARE = [
    # First: /healthz and /readyz answer before host checks, the HTTPS redirect, sessions, sign-in,
    # two-factor, rate limits and lockout (core/health.py).
    "core.health.HealthCheckMiddleware",
    # Second: /metrics (bearer METRICS_TOKEN, else 404), and every other request counted by view
    # name and status with its time (core/metrics.py).
    "core.metrics.MetricsMiddleware",
    # The request id (X-Request-ID in and out) and the ids of the user and agency on every log
    # record of the request (core/logging.py).
    "core.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.replica.ReplicaMiddleware",  # read-your-writes pin and the replica-served GET pages
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.AbsoluteSessionTimeoutMiddleware",
    "core.middleware.RateLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agencies.middleware.ActingAgencyMiddleware",
    "agencies.middleware.TwoFactorRequiredMiddleware",
    "core.middleware.ApplicationErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.DeferredWorkMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        # A persistent connection is checked before its first use in each request, so a database
        # restart costs no user request (docs/reliability.md).
        conn_health_checks=True,
    )
}
# The reporting replica (core/replica.py, docs/adr/0111): a streaming replica of the primary. Report
# builds, exports and the lag-tolerant list pages of REPLICA_VIEWS read from it; a user who changed
# something is pinned to the primary for REPLICA_PIN_SECONDS; an unreachable replica, or one more than
# REPLICA_MAX_LAG_SECONDS behind, sends reads to the primary (logged) for REPLICA_RETRY_SECONDS.
REPLICA_CONNECT_TIMEOUT_SECONDS = int(env("REPLICA_CONNECT_TIMEOUT_SECONDS", 2))
REPLICA_PIN_SECONDS = float(env("REPLICA_PIN_SECONDS", 15))
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", 10))
REPLICA_RETRY_SECONDS = float(env("REPLICA_RETRY_SECONDS", 30))
REPLICA_VIEWS = frozenset(
    {
        "casework:caseload",
        "casework:person_search",
        "casework:my_work",
        "employers:checks_due",
        "api:person-list",
    }
)
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = (
        REPLICA_CONNECT_TIMEOUT_SECONDS
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # a test database has no replica
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# Behind PgBouncer in transaction mode (docs/scaling.md) a server-side cursor (QuerySet.iterator())
# cannot outlive its transaction's server connection: DATABASE_POOL_MODE=transaction turns them off.
if env("DATABASE_POOL_MODE", "session").strip().lower() == "transaction":
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (INCLUDE) are a PostgreSQL optimisation; the SQLite demo builds them without
    # the extra columns, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "agencies.backends.LockoutBackend",  # django-axes: refuses locked-out usernames and addresses first
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "casework:home"  # My work for staff, reports for a commissioner
LOGOUT_REDIRECT_URL = "signed_out"
# Argon2id first (core/hashers.py, SECURITY.md); the others only verify older hashes, which are
# upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "core.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

SESSION_COOKIE_AGE = int(env("SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: the cookie is refreshed on every request
SESSION_ABSOLUTE_SECONDS = int(env("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60))
# API tokens (agencies/tokens.py): end after 8 hours unused and 7 days after issue however active.
API_TOKEN_IDLE_SECONDS = int(env("API_TOKEN_IDLE_SECONDS", 8 * 60 * 60))
API_TOKEN_ABSOLUTE_SECONDS = int(env("API_TOKEN_ABSOLUTE_SECONDS", 7 * 24 * 60 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media-not-served/"  # files are only downloaded through scoped, audited views


def storage_from_url(url: str) -> dict:
    """STORAGES["default"] from STORAGE_URL: empty means MEDIA_ROOT on the local disk;
    `s3://BUCKET[/PREFIX]?endpoint_url=...&region=...&addressing_style=path|virtual` means object
    storage through django-storages (S3 API, boto3). Credentials never go in the URL: boto3 reads
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment (or the pod's role)."""
    from urllib.parse import parse_qs, urlsplit

    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise RuntimeError("STORAGE_URL must look like s3://bucket?endpoint_url=...&region=...")
    if parts.username or parts.password:
        raise RuntimeError(
            "STORAGE_URL must not hold credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint_url", "region", "addressing_style"}
    if unknown:
        raise RuntimeError(f"STORAGE_URL: unknown option(s) {sorted(unknown)}")
    from botocore.config import Config

    options = {
        "bucket_name": parts.hostname,
        "location": parts.path.strip("/"),
        "endpoint_url": query.get("endpoint_url") or None,
        "region_name": query.get("region") or None,
        # An unreachable store costs a request seconds, not minutes (boto3 waits 60 s, 5 tries).
        "client_config": Config(
            connect_timeout=3,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": query.get("addressing_style") or None},
        ),
        # The same as FileSystemStorage: a name already taken gets a new one, never overwritten.
        "file_overwrite": False,
        # Private objects; the app streams every download itself after the audit event. Encryption
        # at rest is the bucket's (AWS encrypts every new object; set a default on other stores).
        "default_acl": None,
        "querystring_auth": True,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


# Every file the app stores (uploaded scans, report PDFs/CSVs and their versions) goes through the
# "default" storage (FileField, django.core.files.storage.default_storage): switching between the
# local disk and object storage is this setting only (README "Deploying").
STORAGE_URL = env("STORAGE_URL", "")
STORAGES = {
    "default": storage_from_url(STORAGE_URL),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # bigger uploads go to a temporary file, not memory
# Uploads (core.uploads, SECURITY.md "Files"): a weekly matching scan is a few thousand rows, about
# 40-80 bytes each, so 5 MB holds SCAN_MAX_ROWS with room to spare; bigger files are refused while
# they arrive (core.uploads.LimitedUploadHandler), before anything is parsed or stored.
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", 5 * 1024 * 1024))
SCAN_MAX_ROWS = int(env("SCAN_MAX_ROWS", 100_000))
# Stored uploads (matching scans) are deleted this many days after upload by `runjob records_retention`.
UPLOAD_RETENTION_DAYS = int(env("UPLOAD_RETENTION_DAYS", 30))

# --- Email ----------------------------------------------------------------------------------
# The console and file backends print addresses and bodies into logs: DEBUG only. Production sends
# through EMAIL_HOST (SMTP), or without one logs only a count (core.mail.SummaryBackend).
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = int(env("EMAIL_PORT", 587))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", 10))
PRINTING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "core.mail.SummaryBackend",
)
if not DEBUG and EMAIL_BACKEND in PRINTING_EMAIL_BACKENDS:
    EMAIL_BACKEND = "core.mail.SummaryBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "resettle@localhost")

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", None) or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A hung broker (accepts connections, never answers) must not hang a user's save: every broker call
# gives up after these many seconds and the call goes to the outbox (core.dispatch, PendingTask).
BROKER_CONNECT_TIMEOUT_SECONDS = float(env("BROKER_CONNECT_TIMEOUT_SECONDS", 2))
BROKER_READ_TIMEOUT_SECONDS = float(env("BROKER_READ_TIMEOUT_SECONDS", 2))
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT_SECONDS
# Reports: a build writes a heartbeat every REPORT_HEARTBEAT_SECONDS; a running report without one
# for REPORT_STALL_SECONDS (or queued for REPORT_QUEUED_STALL_SECONDS) is stalled and is re-queued by
# `requeue_stalled_reports` (every REPORT_REQUEUE_EVERY_SECONDS) or by asking for it again. A build
# is killed after REPORT_BUILD_TIME_LIMIT_SECONDS; the broker's visibility timeout is twice the
# longest task limit, so an unacknowledged (acks_late) task is never handed to a second worker
# while it still runs.
REPORT_HEARTBEAT_SECONDS = float(env("REPORT_HEARTBEAT_SECONDS", 5))
REPORT_STALL_SECONDS = float(env("REPORT_STALL_SECONDS", 20))
REPORT_QUEUED_STALL_SECONDS = float(env("REPORT_QUEUED_STALL_SECONDS", 120))
REPORT_REQUEUE_EVERY_SECONDS = float(env("REPORT_REQUEUE_EVERY_SECONDS", 20))
# The longest build measured is 38 s (region report at 1,000,000 people, docs/performance.md); the
# limits leave room for 15x that. Every other task has TASK_TIME_LIMIT_SECONDS.
REPORT_BUILD_TIME_LIMIT_SECONDS = int(env("REPORT_BUILD_TIME_LIMIT_SECONDS", 600))
TASK_TIME_LIMIT_SECONDS = int(env("TASK_TIME_LIMIT_SECONDS", 900))
CELERY_TASK_TIME_LIMIT = TASK_TIME_LIMIT_SECONDS
REPORT_MAX_ATTEMPTS = int(env("REPORT_MAX_ATTEMPTS", 5))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * max(TASK_TIME_LIMIT_SECONDS, REPORT_BUILD_TIME_LIMIT_SECONDS),
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_READ_TIMEOUT_SECONDS,
}
CELERY_BEAT_SCHEDULE = {
    "retention_sweep": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(hour=5, minute=0),
        "args": ["retention_sweep"],
    },
    "referral_sla_sweep": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(hour=5, minute=10),
        "args": ["referral_sla_sweep"],
    },
    "consent_expiry": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(hour=5, minute=20),
        "args": ["consent_expiry"],
    },
    "post_exit_checks": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(hour=5, minute=30),
        "args": ["post_exit_checks"],
    },
    "offender_marker_expiry": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(hour=5, minute=40),
        "args": ["offender_marker_expiry"],
    },
    "monthly_reports": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
        "args": ["monthly_reports"],
    },
    "resend_pending_tasks": {
        "task": "core.tasks.runjob_task",
        "schedule": 300.0,
        "args": ["resend_pending_tasks"],
    },
    "requeue_stalled_reports": {
        "task": "core.tasks.runjob_task",
        "schedule": REPORT_REQUEUE_EVERY_SECONDS,
        "args": ["requeue_stalled_reports"],
    },
    "audit_partitions": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(hour=4, minute=30),
        "args": ["audit_partitions"],
    },
    "records_retention": {
        "task": "core.tasks.runjob_task",
        "schedule": crontab(day_of_week=0, hour=3, minute=0),
        "args": ["records_retention"],
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.api_auth.ActingTokenAuthentication",
        "agencies.api_auth.ActingSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DATE_INPUT_FORMATS": ["%Y-%m-%d"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Resettle API",
    "DESCRIPTION": "Partner API for Resettle (v1). Same access policy as the web pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.require_version_on_patch",
    ],
    # Stable names for choice sets used by several fields (keeps `check --deploy` free of W001).
    "ENUM_NAME_OVERRIDES": {
        "DeclineReasonEnum": "referrals.models.DeclineReason",
        "BenefitEnum": "custody.models.Benefit",
        "ScanItemDismissReasonEnum": "custody.models.ScanItemDismissReason",
        "WithdrawReasonEnum": "referrals.models.WithdrawReason",
        "DataCategoryEnum": "consent.models.DataCategory",
        "YesNoUnknownEnum": "casework.models.YesNoUnknown",
        "CaseEndReasonEnum": "casework.models.EndReason",
        "ActionStatusEnum": "casework.models.ActionStatus",
        "SpellKindEnum": "employers.models.SpellKind",
        "SpellEndReasonEnum": "employers.models.SpellEndReason",
        "ReferralStatusEnum": "referrals.models.Status",
        "ReportKindEnum": "reporting.models.ReportKind",
        "ReoffenceKindEnum": "reporting.models.ReoffenceKind",
        "SiteKindEnum": "agencies.models.SiteKind",
        "QualificationStatusEnum": "casework.models.QualificationStatus",
        "AccommodationOutcomeStatusEnum": "casework.models.AccommodationOutcomeStatus",
        "CourseOutcomeEnum": "casework.models.CourseOutcome",
        "ChaseMethodEnum": "custody.models.ContactMethod",
        "ChaseOutcomeEnum": "custody.models.ChaseOutcome",
    },
}

# --- Domain settings ------------------------------------------------------------------------
RETENTION_MILESTONE_WEEKS = [int(w) for w in env_list("RETENTION_MILESTONE_WEEKS", "4,8,12")]
RETENTION_GRACE_DAYS = int(env("RETENTION_GRACE_DAYS", 7))
CONTINUOUS_EMPLOYMENT_GAP_DAYS = int(env("CONTINUOUS_EMPLOYMENT_GAP_DAYS", 0))
REFERRAL_RESPONSE_WORKING_DAYS = int(env("REFERRAL_RESPONSE_WORKING_DAYS", 5))
RECORDS_RETENTION_YEARS = int(env("RECORDS_RETENTION_YEARS", 6))
# Search terms in access events are removed after this many days by the records_retention job
# (audit/search_terms.py).
SEARCH_TERM_RETENTION_DAYS = int(env("SEARCH_TERM_RETENTION_DAYS", 90))
# The audit table (PostgreSQL) is partitioned by month (docs/adr/0110): the daily audit_partitions job
# makes AUDIT_PARTITIONS_AHEAD months ahead, and moves months older than AUDIT_ONLINE_MONTHS (at least
# 12; the database refuses younger ones) to compressed archives in storage that a manager can still
# search from the staff access log.
AUDIT_PARTITIONS_AHEAD = int(env("AUDIT_PARTITIONS_AHEAD", 3))
AUDIT_ONLINE_MONTHS = max(12, int(env("AUDIT_ONLINE_MONTHS", 24)))
AUDIT_ARCHIVE_MONTHS_PER_REQUEST = int(env("AUDIT_ARCHIVE_MONTHS_PER_REQUEST", 6))
# Access-log pages count a person's or a member of staff's events no further than this.
AUDIT_LOG_COUNT_CAP = int(env("AUDIT_LOG_COUNT_CAP", 10_000))
ENDURING_JOBS_ANNUAL_TARGET = int(env("ENDURING_JOBS_ANNUAL_TARGET", 460))
# The basic skills screen (003 I.B.1) is due this many days after reception (or the order).
BASIC_SKILLS_SCREEN_DAYS = int(env("BASIC_SKILLS_SCREEN_DAYS", 5))
SMALL_NUMBER_THRESHOLD = 5
# Access by purpose (ADR 0012): a Freshstart appointment falls on or after the (expected) release
# and at most this many days after it, and gives the release-area Jobcentre access until this many
# days after the appointment; emergency accesses a user may open in 24 hours.
FRESHSTART_WINDOW_DAYS = int(env("FRESHSTART_WINDOW_DAYS", 42))
FRESHSTART_ACCESS_DAYS = int(env("FRESHSTART_ACCESS_DAYS", 14))
EMERGENCY_ACCESS_PER_DAY = int(env("EMERGENCY_ACCESS_PER_DAY", 3))
# A claim closure sent to the Benefit Delivery Centre and not confirmed after this many days (since
# it was sent, or since the last chase) is highlighted on the EBSA worklist for chasing.
BDC_CHASE_AFTER_DAYS = int(env("BDC_CHASE_AFTER_DAYS", 10))
DEMO_PASSWORD = env("DEMO_PASSWORD", "resettle-demo")

# --- Security (production hardening whenever DEBUG is off; see SECURITY.md) --------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp 4): our own origin only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sign-in lockout (django-axes): 5 failures per username, and separately per address, lock for
# 30 minutes. Administrators unlock in the admin (Access attempts) or `manage.py axes_reset_username`.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", 30)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = (
    True  # the username's failures only (agencies.backends.SignInAttemptHandler)
)
AXES_HANDLER = "agencies.backends.SignInAttemptHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address behind PROXY_COUNT reverse proxies (core/client_address.py), for lockout, rate
# limits and audit. Set 1 behind one proxy that appends to X-Forwarded-For. AXES_PROXY_COUNT is
# the older name.
PROXY_COUNT = int(env("PROXY_COUNT", env("AXES_PROXY_COUNT", 0)))
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ip"
AXES_VERBOSE = False

# Two-factor (django-otp TOTP): required for managers and administrators. On by default whenever
# DEBUG is off; the DEBUG demo (`make run`) leaves it optional so the demo managers can sign in.
OTP_REQUIRED_FOR_MANAGERS = env_bool("OTP_REQUIRED_FOR_MANAGERS", not DEBUG)
OTP_TOTP_ISSUER = "Resettle"
# A first authenticator app is added only with a one-time code from an administrator (agencies/enrolment.py).
TWO_FACTOR_ENROLMENT_HOURS = int(env("TWO_FACTOR_ENROLMENT_HOURS", 72))

# Cache: rate limits and lockout counters. Redis in production (CACHE_URL or REDIS_URL), memory otherwise.
_CACHE_URL = env("CACHE_URL") or env("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "resettle"}
}

# Rate limits (core.ratelimit): name -> (requests, window seconds). Sign-in and token per client
# address, search (any GET with ?q=) per signed-in user. Over the limit: 429.
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", True)
RATE_LIMITS = {
    "sign_in": (int(env("RATE_LIMIT_SIGN_IN", 20)), 300),
    "api_token": (int(env("RATE_LIMIT_API_TOKEN", 10)), 60),
    "search": (int(env("RATE_LIMIT_SEARCH", 60)), 60),
}

# --- Metrics (core/metrics.py) ---------------------------------------------------------------
# GET /metrics with `Authorization: Bearer <METRICS_TOKEN>`; 404 while unset. PROMETHEUS_MULTIPROC_DIR
# (read by prometheus-client itself) adds up the samples of gunicorn's and Celery's processes.
METRICS_TOKEN = env("METRICS_TOKEN", "")

# --- Logging ---------------------------------------------------------------------------------
# Search terms and other personal data travel in query strings: no log line keeps one
# (core.logging.DropQueryStrings; gunicorn's access log format in config/gunicorn.py has none).
# Every record carries the request id, user id and acting agency id (core.logging.RequestContext).
# LOG_FORMAT=json (the default when DEBUG is off): one JSON object per line for the log collector;
# text: readable lines for a developer.
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise RuntimeError("LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_query_strings": {"()": "core.logging.DropQueryStrings"},
        "request_context": {"()": "core.logging.RequestContext"},
        "no_unmatched_paths": {"()": "core.logging.DropUnmatchedPaths"},
    },
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s u=%(user_id)s a=%(agency_id)s] %(message)s"
        },
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["no_unmatched_paths", "no_query_strings", "request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's access log: through the filtered handler, not Django's own unfiltered one
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
