"""Gunicorn settings, read from the working directory (/app in the image, see docker-compose.yml,
whose command line gives the bind address, workers and access log).

The access log keeps the path but never a query string (searches carry names and NI numbers in
`?q=`): core.log_redaction.RedactQueryStrings rewrites the request line, the `q` atom and the
referrer of every access line.
"""

import logging


def on_starting(server):
    from core.log_redaction import RedactQueryStrings

    logging.getLogger("gunicorn.access").addFilter(RedactQueryStrings())
