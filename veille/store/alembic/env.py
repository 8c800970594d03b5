"""Alembic environment of the store: runs on the connection ``veille.store.migrate`` hands over.

Never run from a configuration file: ``veille.store.migrate.upgrade`` builds the Alembic ``Config`` in code
and passes the open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from veille.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    transactional_ddl=False,  # the caller holds the one transaction the whole upgrade runs in
)
with context.begin_transaction():
    context.run_migrations()
