"""Keep query strings (search terms: names, NI and prison numbers, dates of birth) out of every log.

`DropQueryStrings` is on the console handler (settings.LOGGING) and on gunicorn's access logger
(config/gunicorn.py): it renders the record's message and cuts the `?...` part of every URL in it,
and blanks gunicorn's query-string atom. Paths stay, so the logs still say what was asked for.
"""

import logging
import re
from collections.abc import Mapping

QUERY = re.compile(r"\?[^\s\"']*")


def strip_query(value):
    return QUERY.sub("", value) if isinstance(value, str) else value


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping) and "q" in record.args:  # gunicorn's access atoms
            record.args = {**record.args, "q": ""}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: keep it, still without queries
            message = str(record.msg)
        record.msg, record.args = strip_query(message), None
        return True
