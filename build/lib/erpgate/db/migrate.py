"""Running Alembic migrations from code (used by `erpgate migrate`, `erpgate serve`, the demo and
the tests). The migrations ship inside the package, so an installed wheel migrates too."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


@cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migrations shipped with this version; read once, because
    /readyz asks on every probe."""
    script = ScriptDirectory.from_config(alembic_config("unused"))
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


async def schema_problem(engine: AsyncEngine) -> str | None:
    """What keeps this version from serving on the database, as a sentence that says what to do;
    None when it is at this version's newest migration or at a newer one (migrations keep the
    previous version working)."""
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    except (OSError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot use the database at ERPGATE_DATABASE_URL: {reason}"
    heads, known = _revisions()
    if not current:
        problem = "the database has no erpgate tables yet"
    elif current == heads or current - known:
        return None
    else:
        problem = (
            f"the database schema is older than this version (at {', '.join(sorted(current))},"
            f" needs {', '.join(sorted(heads))})"
        )
    return f"{problem}: run `erpgate migrate` first"
