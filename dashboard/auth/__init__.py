"""Sign-in, the guard, API tokens and roles: one place that answers "may this user do X".

- ``server``: ``init_auth(server)`` sets sessions, the sign-in pages and the guard on the Flask server.
- ``guard``: what anyone may reach, and the check in front of every other route.
- ``login``: the sign-in and sign-out pages.
- ``members``: who makes the request (the signed-in member, the API token's, or nobody).
- ``permissions``: what the requester may do (``can_write``, ``is_admin``, ``require_writer``).
- ``tokens``: the API's bearer tokens; ``secret_key``: the key that signs them and the cookies.
"""
