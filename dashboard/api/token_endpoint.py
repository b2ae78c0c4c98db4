"""``POST /api/auth/token``: a bearer token for a team member's email and password."""

from __future__ import annotations

from flask import current_app

from dashboard.api.errors import ApiError
from dashboard.api.operations import operation
from dashboard.api.schemas import TokenRequest, TokenResponse
from dashboard.auth.tokens import issue_token
from dashboard.sessions import write_session
from data.repositories.users import verify_password

API_TOKEN_HOURS_SETTING = "API_TOKEN_HOURS"


@operation(
    "POST",
    "/auth/token",
    summary="Get a bearer token",
    description=(
        "Exchange an active team member's email and password for a bearer token to send as "
        "`Authorization: Bearer <token>`. The token expires after `expires_in` seconds "
        "(24 hours unless the server is configured otherwise)."
    ),
    tag="Authentication",
    response=TokenResponse,
    body=TokenRequest,
    public=True,
    errors=(400, 401, 415),
)
def issue_api_token(body: TokenRequest) -> TokenResponse:
    with write_session() as db:
        user = verify_password(db, body.email, body.password)
        if user is None:
            raise ApiError(401, "The email or password is not correct.", code="invalid_credentials")
        issued = issue_token(
            user,
            float(current_app.config.get(API_TOKEN_HOURS_SETTING, 24)),
            secret_key=current_app.config["SECRET_KEY"],
        )
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)
