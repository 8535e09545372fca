"""Alembic environment and migration scripts of the SQL store (a package so wheels ship it)."""
