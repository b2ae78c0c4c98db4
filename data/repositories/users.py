"""Team members: creation with a hashed password, sign-in checks and the team with its workload."""

from __future__ import annotations

import re
import secrets

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from data.models import Intervention, User
from data.repositories._frames import read_frame
from scoring.enums import OPEN_STATUSES, Role

MIN_PASSWORD_LENGTH = 8
OPEN_INTERVENTIONS = "open_interventions"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A hash of a random password, checked when the email is unknown so that both cases take as long.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user cannot be created or changed as asked (the message says why)."""


def normalise_email(email: str) -> str:
    """``email`` trimmed and lower-cased: the form stored and looked up."""
    return email.strip().lower()


def generate_password() -> str:
    """A random password of 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def create_user(
    session: Session, email: str, *, name: str, role: Role | str, password: str, active: bool = True
) -> User:
    """Add a team member with a hashed password; raises UserError on bad input or a taken email."""
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    name = name.strip()
    if not name:
        raise UserError("name must not be empty")
    try:
        role = Role(role)
    except ValueError:
        raise UserError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if user_by_email(session, email) is not None:
        raise UserError(f"a user with email {email} already exists")
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=generate_password_hash(password),
        active=active,
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Replace ``user``'s password; raises UserError when it is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)


def user_by_email(session: Session, email: str) -> User | None:
    """The user with ``email`` (case-insensitive), or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def verify_password(session: Session, email: str, password: str) -> User | None:
    """The active user with ``email`` when ``password`` is theirs, else None."""
    user = user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def team_frame(session: Session, *, include_inactive: bool = False) -> pd.DataFrame:
    """Team members by name: ``id``, ``email``, ``name``, ``role``, ``active`` and ``open_interventions``."""
    open_count = (
        select(Intervention.assigned_to, func.count(Intervention.id).label("n"))
        .where(Intervention.status.in_(OPEN_STATUSES))
        .group_by(Intervention.assigned_to)
        .subquery()
    )
    stmt = (
        select(
            User.id,
            User.email,
            User.name,
            User.role,
            User.active,
            func.coalesce(open_count.c.n, 0).label(OPEN_INTERVENTIONS),
        )
        .outerjoin(open_count, open_count.c.assigned_to == User.id)
        .order_by(User.name, User.id)
    )
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    frame = read_frame(session, stmt)
    return frame.astype({OPEN_INTERVENTIONS: "int64"})
