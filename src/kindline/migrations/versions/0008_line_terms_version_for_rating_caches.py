"""line terms version for rating caches

A rater keeps the terms of the lines it rates in memory between batches; it
checks `lines.terms_version` per batch and reloads only the lines whose
version moved (customers/lines.terms_changed bumps it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 00:19:54.023547
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.drop_column('terms_version')
