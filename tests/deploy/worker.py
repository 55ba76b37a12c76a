"""A Celery worker for the many-instances test: tests.security.fault_worker's slowed-down report
build (FAULT_BUILD_SECONDS before the PDF is rendered, so a test can kill it mid-build), under the
node name WORKER_NAME. Run as `python -m tests.deploy.worker`."""

import os

from tests.security.fault_worker import app  # noqa: F401 - sets Django up and slows the build

if __name__ == "__main__":
    app.worker_main(
        ["worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat"]
        + ["--without-gossip", "--without-mingle", "-n", os.environ["WORKER_NAME"]]
    )
