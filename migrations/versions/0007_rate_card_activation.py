"""rate-card versions take effect at a stored moment (activates_at), so a version can be scheduled; a scheduled
version can be cancelled (cancelled_at, cancelled_by_id)

Existing versions keep the moment they took effect under the old rule: an agency's first version at its import,
every later one ACTIVATION_DELAY (2 s) after its import.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:58:29.156177

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ACTIVATION_DELAY = timedelta(seconds=2)  # portal.cards.ACTIVATION_DELAY when this migration was written


def upgrade():
    with op.batch_alter_table('rate_card_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activates_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rate_card_versions_cancelled_by_id_users'), 'users',
                                    ['cancelled_by_id'], ['id'])

    versions = sa.table('rate_card_versions', sa.column('id', sa.Integer()), sa.column('agency_id', sa.Integer()),
                        sa.column('version', sa.Integer()), sa.column('imported_at', sa.DateTime(timezone=True)),
                        sa.column('activates_at', sa.DateTime(timezone=True)))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.agency_id, versions.c.imported_at)
        .order_by(versions.c.agency_id, versions.c.version)
    ).all()
    seen = set()
    for row in rows:
        first = row.agency_id not in seen
        seen.add(row.agency_id)
        activates = row.imported_at if first else row.imported_at + ACTIVATION_DELAY
        connection.execute(versions.update().where(versions.c.id == row.id).values(activates_at=activates))

    with op.batch_alter_table('rate_card_versions', schema=None) as batch_op:
        batch_op.alter_column('activates_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('rate_card_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rate_card_versions_cancelled_by_id_users'), type_='foreignkey')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('activates_at')
