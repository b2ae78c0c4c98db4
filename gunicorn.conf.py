"""gunicorn's configuration for the dashboard: ``gunicorn -c gunicorn.conf.py 'app:create_server()'``.

What it decides, and why (figures in benchmarks/README.md, "Serving under load"):

- Threaded workers (``gthread``): 4 processes of 8 threads each. A request that waits (on the
  database, on a password hash, on a report being drawn) holds one thread,
  not a whole process, so one slow kind of request cannot queue every other
  behind it as sync workers did. The heavy work itself runs elsewhere: a
  recalculation is a background run (202), and the daily job and scheduled
  reports run in the scheduler.
- ``timeout`` 60 s: a worker whose main loop stops answering for a minute is
  restarted. With threads this watches the process, not one slow request.
  ``graceful_timeout`` 30 s lets requests in flight finish on a restart.
- Request limits: a request line of up to 8,190 bytes, so the app itself
  answers an over-long API URL (over 4,096 characters) with its JSON 414;
  100 header fields of up to 8,190 bytes. Bodies are limited by the app (16 MB
  for any route, 1 MB for the API, 16 KB for sign-in), which answers 413.
- Workers are replaced after about 1,000 requests (``max_requests`` with
  jitter), which bounds the memory one process can gather over weeks.
- No control socket (``--no-control-socket``): the dashboard has no use for
  it, and some hosts refuse the socket.

Listens on 127.0.0.1:8000. Options on the command line or in
``GUNICORN_CMD_ARGS`` win over this file (``-b 0.0.0.0:8000``, ``--workers 8``
on a larger machine: about two per core). Put a reverse proxy with TLS in front
of it (and set ``CSD_TRUSTED_PROXIES``).
"""

bind = "127.0.0.1:8000"
workers = 4
worker_class = "gthread"
threads = 8
timeout = 60
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
max_requests = 1000
max_requests_jitter = 100
control_socket_disable = True
accesslog = "-"
