"""usage records: index only charged records by account, no foreign keys

Bills sum an account's usage charges by cycle; most records charge nothing,
so indexing every record by account cost rating a random page write each.
The line and account keys were checked per record (on PostgreSQL an index
probe and a row lock each) for rows that rating has just read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 02:45:41.283582
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_records_account_id'))
        batch_op.drop_constraint(batch_op.f('fk_usage_records_account_id_billing_accounts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_usage_records_line_id_lines'), type_='foreignkey')
        batch_op.create_index('ix_usage_records_account_charged', ['account_id', 'cycle'], unique=False, sqlite_where=sa.text('charge_fen > 0'), postgresql_where=sa.text('charge_fen > 0'))


def downgrade() -> None:
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_records_account_charged', sqlite_where=sa.text('charge_fen > 0'), postgresql_where=sa.text('charge_fen > 0'))
        batch_op.create_index(batch_op.f('ix_usage_records_account_id'), ['account_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_usage_records_line_id_lines'), 'lines', ['line_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_usage_records_account_id_billing_accounts'), 'billing_accounts',
                                    ['account_id'], ['id'])
