"""Partial index of the responses a release may still change, per leaf cell

After every submission the cell's pending responses are read (spec D2, surveys.releases); the
only index was on the measurement year, so the read went through every response of the year.

Revision ID: 20261202_h16
Revises: b11a5c3d7e21
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '20261202_h16'
down_revision = 'b11a5c3d7e21'
branch_labels = None
depends_on = None


def _unreleased():
    # As surveys.models.unreleased_rows(), word for word.
    return sa.or_(sa.column('released').is_(sa.false()),
                  sa.and_(sa.column('withdrawn').is_(sa.true()), sa.column('withdrawal_released').is_(sa.false())))


def upgrade():
    op.create_index('ix_response_unreleased', 'response',
                    ['forbund_id', 'questionnaire', 'measurement_year', 'insats_id'],
                    sqlite_where=_unreleased(), postgresql_where=_unreleased())


def downgrade():
    op.drop_index('ix_response_unreleased', table_name='response')
