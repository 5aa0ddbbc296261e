"""survey_link.form_key (a link form sent twice makes one link) and a partial index of the
responses imports left pending

Revision ID: 20261202_h17
Revises: 20261202_h16
Create Date: 2026-12-02 18:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '20261202_h17'
down_revision = '20261202_h16'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_link') as batch:
        batch.add_column(sa.Column('form_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_survey_link_form_key', ['form_key'])
    pending = sa.column('import_batch').is_not(None)
    op.create_index('ix_response_import_batch', 'response', ['import_batch'],
                    sqlite_where=pending, postgresql_where=pending)


def downgrade():
    op.drop_index('ix_response_import_batch', table_name='response')
    with op.batch_alter_table('survey_link') as batch:
        batch.drop_constraint('uq_survey_link_form_key', type_='unique')
        batch.drop_column('form_key')
