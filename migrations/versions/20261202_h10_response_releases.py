"""response releases (D2): released and withdrawal_released markers

Answers become visible in results in releases of at least k per leaf cell. Responses stored
before this revision were already visible, so they start released (and their withdrawals too).

Revision ID: a10d2e1ea5e5
Revises: 20261202_h15
Create Date: 2026-12-02 04:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a10d2e1ea5e5'
down_revision = '20261202_h15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('withdrawal_released', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    response = sa.table('response', sa.column('released', sa.Boolean()), sa.column('withdrawn', sa.Boolean()),
                        sa.column('withdrawal_released', sa.Boolean()))
    op.execute(response.update().values(released=sa.true(), withdrawal_released=response.c.withdrawn))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_released')
        batch_op.drop_column('released')
