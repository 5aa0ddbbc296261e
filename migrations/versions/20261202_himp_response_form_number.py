"""response.form_number (printed number of a paper questionnaire, unique per förbund) and import_batch

Revision ID: 20261202_himp
Revises: e543cc964007
Create Date: 2026-12-02 04:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '20261202_himp'
down_revision = 'e543cc964007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('import_batch', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint('uq_response_form_number', ['forbund_id', 'form_number'])


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint('uq_response_form_number', type_='unique')
        batch_op.drop_column('import_batch')
        batch_op.drop_column('form_number')
