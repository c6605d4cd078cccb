"""return visits for complainants who are not customers

A complaint forwarded by the 12315 platform may come from someone who holds
no line with us; the platform still wants a satisfaction figure back, so
their return visit (a call task to the complainant's phone) has no customer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 00:35:06.291484
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wo_surveys', schema=None) as batch_op:
        batch_op.alter_column('customer_id', existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('wo_surveys', schema=None) as batch_op:
        batch_op.alter_column('customer_id', existing_type=sa.INTEGER(), nullable=False)
