"""survey_link.asked: how many people were asked to answer through the link (response rate)

Nullable: unknown for existing links (a link with single-use codes falls back to the number
of codes issued).

Revision ID: b11a5c3d7e21
Revises: a10d2e1ea5e5
Create Date: 2026-12-02 04:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b11a5c3d7e21'
down_revision = 'a10d2e1ea5e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asked', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('survey_link', schema=None) as batch_op:
        batch_op.drop_column('asked')
