"""The test suite's Redis: 127.0.0.1:6379 unless TEST_REDIS_URL points elsewhere (e.g. a second server
for a parallel run of the suite). `redis_url(db)` is that server with the given database number."""

import os
from urllib.parse import urlsplit

BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


def redis_url(db: int) -> str:
    return f"{BASE}/{db}"


def redis_host_port() -> tuple[str, int]:
    parts = urlsplit(BASE)
    return parts.hostname or "127.0.0.1", parts.port or 6379
