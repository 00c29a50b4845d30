"""page_versions: a version per scope (an organisation, an agency, all) that every commit changing what
its pages show bumps; the page cache serves a page again only while its versions are unchanged

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_versions',
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_page_versions'))
    )


def downgrade():
    op.drop_table('page_versions')
