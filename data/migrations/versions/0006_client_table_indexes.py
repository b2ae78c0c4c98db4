"""Indexes for the views at 100,000 clients: clients.last_interaction_at, clients by lower-case
name, scores by risk level and score, interventions by status and completion time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

The client table sorts on the latest interaction; read from the interactions
for every client of the day, that sort took seconds at 100,000 clients. Every
write of interactions (``data.repositories.events.insert_events``) keeps the
column from now on; the upgrade fills it from the interactions already
stored (one lookup of the ``(client_id, ts, ...)`` index per client).

Clients gain an index on ``lower(name)``, the order of the client table
sorted by name (1.3 s to 0.1 s at 100,000 clients).

The index of the scores on ``(day, risk_level)`` gains ``overall``: a page of
the clients at one risk level, lowest score first, is then read in the
index's order instead of sorting all of them (0.1 s at 100,000 clients for
the low level; the index takes 40 s to build on 18 million score rows).

The interventions gain an index on ``(status, completed_at)``: the
Analytics tab counts the completed ones per day of a period (0.15 s instead
of 0.4 s over a year at 100,000 clients, nothing read for a period before
the first completion).

The downgrade undoes them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(
            sa.Column("last_interaction_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_clients_last_interaction_at", "clients", ["last_interaction_at"])
    op.create_index("ix_clients_name_lower", "clients", [sa.text("lower(name)")])
    op.create_index(
        "ix_health_scores_day_risk_level_overall",
        "health_scores",
        ["day", "risk_level", "overall"],
    )
    op.drop_index("ix_health_scores_day_risk_level", table_name="health_scores")
    op.create_index(
        "ix_interventions_status_completed_at", "interventions", ["status", "completed_at"]
    )
    op.execute(
        "UPDATE clients SET last_interaction_at = "
        "(SELECT max(interactions.ts) FROM interactions WHERE interactions.client_id = clients.id)"
    )


def downgrade() -> None:
    op.drop_index("ix_clients_name_lower", table_name="clients")
    op.drop_index("ix_interventions_status_completed_at", table_name="interventions")
    op.create_index("ix_health_scores_day_risk_level", "health_scores", ["day", "risk_level"])
    op.drop_index("ix_health_scores_day_risk_level_overall", table_name="health_scores")
    op.drop_index("ix_clients_last_interaction_at", table_name="clients")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("last_interaction_at")
