"""Alembic, driven from code: `upgrade(url)` brings a database to the newest schema.

The migration scripts live inside the package (`common/store/migrations/`), so an installed
wheel can migrate without any alembic.ini on disk. `podium db upgrade` and the embedded
mode both call `upgrade`. Running it on an up-to-date database does nothing.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from podium.common.errors import ServiceSetupError
from podium.common.store.database import Database
from podium.common.store.schema import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
_UPGRADE_LOCK = 0x706F6469756D  # "podium"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database at `url` to `revision` (default: the newest). Returns the
    revisions it was at before (None: no schema) and is at now. A SQLite file's folder is
    created; a database that cannot be reached raises ServiceSetupError."""
    with Database(url) as db:
        _sqlite_folder(db)
        try:
            # The first connection to a fresh SQLite file switches it to WAL, which another
            # process's migration in progress makes fail at once: read under the file lock.
            with _sqlite_file_lock(db):
                before = _revision_of(db)
                _upgrade(db, revision)
                return before, _revision_of(db)
        except SQLAlchemyError as exc:
            raise _unreachable(db, exc) from None


def ensure_schema(db: Database) -> None:
    """Make sure `db` has Podium's current schema before a command uses it. SQLite (the
    embedded default, one user) is created or migrated here; any other database is
    migrated by its operator with `podium db upgrade`, so one that is not at the newest
    revision raises ServiceSetupError saying so, as does a database that cannot be
    reached."""
    if db.is_sqlite:
        _sqlite_folder(db)
        upgrade_database(db)
        return
    try:
        current = _revision_of(db)
    except SQLAlchemyError as exc:
        raise _unreachable(db, exc) from None
    head = head_revision()
    if current == head:
        return
    where = shown_url(db.url)
    if current is None:
        raise ServiceSetupError(f"the database at {where} has no Podium schema: run "
                                "`podium db upgrade`")
    if not _known(current):
        raise ServiceSetupError(f"the database at {where} is at revision {current}, which "
                                "this Podium does not know (a newer version migrated it)")
    raise ServiceSetupError(f"the database at {where} is at revision {current}, this Podium "
                            f"needs {head}: run `podium db upgrade`")


def shown_url(url: str) -> str:
    """The URL as it may be printed: never the password."""
    return make_url(url).render_as_string(hide_password=True)


def _revision_of(db: Database) -> str | None:
    with db.read() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _sqlite_folder(db: Database) -> None:
    """Create the folder of a SQLite file (the data folder on a first run)."""
    path = db.engine.url.database if db.is_sqlite else None
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _unreachable(db: Database, exc: SQLAlchemyError) -> ServiceSetupError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return ServiceSetupError(f"cannot use the database at {shown_url(db.url)}: {reason}")


def upgrade_database(db: Database, revision: str = "head") -> None:
    """`upgrade` on an existing Database (the only way for an in-memory SQLite one)."""
    with _sqlite_file_lock(db):
        _upgrade(db, revision)


def _upgrade(db: Database, revision: str) -> None:
    """The migration itself; a SQLite file's caller holds its file lock."""
    with db.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Services starting together: one migrates, the others wait and find it done.
            # (SQLite: the IMMEDIATE transaction already serialises.)
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        command.upgrade(alembic_config(conn), revision)


@contextmanager
def _sqlite_file_lock(db: Database) -> Iterator[None]:
    """Serialise migrations of one SQLite file across threads and processes: switching a
    fresh database to WAL takes a lock that SQLite's busy timeout does not wait for."""
    path = db.engine.url.database if db.is_sqlite else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_revision(url: str) -> str | None:
    """The schema revision the database is at, None before the first upgrade."""
    with Database(url) as db:
        return _revision_of(db)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_diff(conn: Connection) -> list[Any]:
    """What autogenerate would change to make the database match `schema.metadata`."""
    context = MigrationContext.configure(conn, opts={
        "version_table": VERSION_TABLE, "compare_type": True,
        "compare_server_default": True})
    diff: list[Any] = compare_metadata(context, metadata)
    return diff
