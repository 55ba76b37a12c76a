"""gunicorn settings (`gunicorn -c config/gunicorn.py config.wsgi:application`).

The access log keeps method, path (`%(U)s`, without the query string), status, size and time: no
query string (`%(r)s`, `%(q)s`), referer or user agent, since search terms are personal data.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def post_worker_init(worker):
    """Belt and braces: the app's filter on the access logger too."""
    import logging

    from core.logging import DropQueryStrings

    logging.getLogger("gunicorn.access").addFilter(DropQueryStrings())
    logging.getLogger("gunicorn.error").addFilter(DropQueryStrings())
