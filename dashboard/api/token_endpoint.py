"""``POST /api/auth/token``: a bearer token for a team member's email and password."""

from __future__ import annotations

from flask import current_app, request

from dashboard.api.errors import ApiError
from dashboard.api.operations import operation
from dashboard.api.schemas import TokenRequest, TokenResponse
from dashboard.auth.audit import audit
from dashboard.auth.tokens import issue_token
from dashboard.sessions import write_session
from data.models import AuditAction
from data.repositories.users import verify_password

API_TOKEN_HOURS_SETTING = "API_TOKEN_HOURS"


@operation(
    "POST",
    "/auth/token",
    summary="Get a bearer token",
    description=(
        "Exchange an active team member's email and password for a bearer token to send as "
        "`Authorization: Bearer <token>`. The token expires after `expires_in` seconds "
        "(24 hours unless the server is configured otherwise). At most 10 attempts per "
        "account and 30 per address in 5 minutes, with the sign-in form: past that, 429 with "
        "`Retry-After`."
    ),
    tag="Authentication",
    response=TokenResponse,
    body=TokenRequest,
    public=True,
    errors=(400, 401, 415, 429),
)
def issue_api_token(body: TokenRequest) -> TokenResponse:
    issued = member = None
    with write_session() as db:
        user = verify_password(db, body.email, body.password)
        if user is not None:
            member = (user.id, user.email)
            issued = issue_token(
                user,
                float(current_app.config.get(API_TOKEN_HOURS_SETTING, 24)),
                secret_key=current_app.config["SECRET_KEY"],
            )
    if issued is None or member is None:
        current_app.logger.warning("token refused for %r from %s", body.email, request.remote_addr)
        audit(AuditAction.TOKEN_REFUSED, actor=body.email, detail="wrong email or password")
        raise ApiError(401, "The email or password is not correct.", code="invalid_credentials")
    audit(AuditAction.TOKEN_ISSUED, actor_id=member[0], actor=member[1], detail="API token")
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)
