"""`lead-router db upgrade|current` on a real SQLite file: a database made before
migrations is adopted with its rows, a missing one is never created by `current`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner, Result

from activities.database.revision import HEAD
from starter.cli.main import app


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_current_never_creates_a_database(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "lead-router.db"
    result = run("db", "current", "--database", str(path))
    assert result.exit_code == 2
    assert f"no app database at {path}" in result.output
    assert not path.exists() and not path.parent.exists()


def test_upgrade_adopts_a_database_from_before_migrations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a table as create_all made it, with a row
        conn.execute(
            "CREATE TABLE owners (owner_id VARCHAR NOT NULL, away BOOLEAN NOT NULL, "
            "open_leads INTEGER NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (owner_id))"
        )
        conn.execute("INSERT INTO owners VALUES ('maya.lindqvist', 1, 3, '2026-11-30 10:00:00')")
    behind = run("db", "current", "--database", str(path))
    assert behind.exit_code == 1 and f"needs {HEAD}" in behind.output

    first = run("db", "upgrade", "--database", str(path))
    assert first.exit_code == 0, first.output
    assert f"upgraded an unversioned database -> {HEAD}" in first.output
    again = run("db", "upgrade", "--database", str(path))
    assert again.exit_code == 0 and f"already at {HEAD}" in again.output

    current = run("db", "current", "--database", str(path))
    assert current.exit_code == 0 and current.output.strip() == f"{HEAD} (head)"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT owner_id, away, open_leads FROM owners").fetchall() == [
            ("maya.lindqvist", 1, 3)
        ]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"accounts", "assignments", "deliveries", "dead_letters", "notifications"} <= tables


def test_upgrade_names_a_database_it_cannot_reach(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("db", "upgrade", "--database", str(blocker / "lead-router.db"))
    assert result.exit_code == 2
    assert "cannot upgrade the app database" in result.output
