"""``csd token EMAIL [--hours H]``: print an API bearer token for a team member (DESIGN 3)."""

from __future__ import annotations

import click

from dashboard.auth.secret_key import secret_key_from_environment
from dashboard.auth.tokens import DEFAULT_TOKEN_HOURS, MAX_TOKEN_HOURS, issue_token
from data.db import database_url, session_scope
from data.repositories.users import user_by_email


@click.command("token")
@click.argument("email")
@click.option(
    "--hours",
    type=click.FloatRange(min=0, max=MAX_TOKEN_HOURS, min_open=True),
    default=DEFAULT_TOKEN_HOURS,
    show_default=True,
    help="How long the token stays valid.",
)
def token_command(email: str, hours: float) -> None:
    """Print an API bearer token for the active team member with EMAIL.

    Send it as "Authorization: Bearer TOKEN". It is signed with SECRET_KEY
    (or the development key in instance/secret_key), so the server must use
    the same key to accept it.
    """
    try:
        secret_key = secret_key_from_environment()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    with session_scope(database_url()) as session:
        user = user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"no team member with email {email.strip().lower()}")
        if not user.active:
            raise click.ClickException(f"{user.email} is not active")
        issued = issue_token(user, hours, secret_key=secret_key)
    click.echo(issued.access_token)
