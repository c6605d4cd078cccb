"""indexes for rating look-ups

Usage rating loads, per chunk, the secondary cards of each pool
(lines.primary_line_id) and who lists a number as a family number
(family_numbers.number); without these indexes both scan their tables.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 21:27:20.352008
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('family_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_numbers_number'), ['number'], unique=False)

    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lines_primary_line_id'), ['primary_line_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lines_primary_line_id'))

    with op.batch_alter_table('family_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_numbers_number'))
