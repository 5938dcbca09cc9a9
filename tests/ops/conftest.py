"""Operations tests run the real commands in child processes, each against a database of its own:
a SQLite file in a temporary data dir, or, when XIEZUO_TEST_DATABASE_URL is set, a fresh PostgreSQL
database next to the test database (created and dropped here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "xiezuo.cli"]
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _pg_admin(url: str):
    import psycopg

    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


class Site:
    """One installation: its environment (data dir, database) and helpers to run commands in it."""

    def __init__(self, data_dir: Path, database_url: str | None, src: str = SRC):
        self.data_dir = data_dir
        self.database_url = database_url
        env = {k: v for k, v in os.environ.items()
               if k not in ("XIEZUO_TEST_DATABASE_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        env.update(XIEZUO_DATA_DIR=str(data_dir), PYTHONPATH=src, XIEZUO_LOG_LEVEL="WARNING")
        if database_url:
            env["DATABASE_URL"] = database_url
        self.env = env

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def cli(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([*CLI, *args], env=self.env, timeout=timeout, capture_output=True, text=True)
        assert not check or done.returncode == 0, f"xiezuo {' '.join(args)}: {done.stderr[-3000:]}"
        return done

    def popen(self, *args: str, **kw) -> subprocess.Popen:
        return subprocess.Popen([*CLI, *args], env=self.env, **kw)

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """A query straight on the database, without starting Django (fast enough to poll)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as con:
                return [tuple(r) for r in con.execute(query.replace("?", "%s"), params).fetchall()]
        import sqlite3

        con = sqlite3.connect(self.data_dir / "xiezuo.sqlite3", timeout=30)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def python(self, code: str, *args: str, timeout: float = 600) -> object:
        """Run `code` with Django set up; it sets `out`, which comes back through JSON."""
        script = ("import django, json, os, sys\nos.environ['DJANGO_SETTINGS_MODULE'] = 'xiezuo.settings'\n"
                  "django.setup()\nout = None\n" + code + "\nprint('\\n@@' + json.dumps(out, default=str))\n")
        done = subprocess.run([sys.executable, "-c", script, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.rsplit("\n@@", 1)[1])


def make_site(tmp: Path, label: str, src: str = SRC) -> Iterator[Site]:
    """A data dir and an empty database; the PostgreSQL database is dropped afterwards."""
    tmp.mkdir(parents=True, exist_ok=True)
    pg = os.environ.get("XIEZUO_TEST_DATABASE_URL")
    if not pg:
        yield Site(tmp, None, src)
        return
    name = f"{pg.rsplit('/', 1)[1]}_{label}_{uuid.uuid4().hex[:6]}"
    with _pg_admin(pg) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Site(tmp, f"{pg.rsplit('/', 1)[0]}/{name}", src)
    finally:
        import warnings

        import psycopg

        try:
            with _pg_admin(pg) as con:
                # DROP DATABASE waits for every backend of the server to close its files (a barrier); one
                # stuck elsewhere must not hang the suite: give up after a while and say so
                con.execute("SET statement_timeout = '120s'")
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error as exc:
            warnings.warn(f"could not drop the test database {name}: {exc}", stacklevel=1)


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    yield from make_site(tmp_path / "site", "site")
