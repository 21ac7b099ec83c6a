"""Alembic environment shared by every service: each service passes its own versions folder."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")

engine = create_engine(context.config.attributes["database_url"], poolclass=NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
