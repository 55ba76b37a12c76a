"""Keep personal data that arrives in URLs out of the logs (SECURITY.md, "Personal data in URLs").

Searches are GETs with `?q=` (a name, CRN, prison or NI number), so a query string may hold
personal data. `RedactQueryStrings` replaces every query string in a log record (the request
line, the path, the referrer) with `?[redacted]`, and gunicorn's `q` atom with `[redacted]`. It
is on Django's console handler (django.server, django.request and the rest) and on gunicorn's
access log (config/gunicorn.conf.py). It imports nothing from Django so gunicorn can load it early.
"""

import logging
import re

REDACTED = "[redacted]"
QUERY = re.compile(r"\?[^\s\"']+")


def redact(value):
    if isinstance(value, str) and "?" in value:
        return QUERY.sub("?" + REDACTED, value)
    return value


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, dict):  # gunicorn's access atoms
            for key, value in list(args.items()):
                args[key] = REDACTED if key == "q" and value else redact(value)
        elif isinstance(args, tuple):
            record.args = tuple(redact(arg) for arg in args)
        return True
