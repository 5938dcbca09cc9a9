"""`xiezuo backup` and `xiezuo restore`: one archive with the database and the uploaded files.

The archive is a tar file:
  manifest.json        format, time, database vendor, the applied migrations, each file's SHA-256
  database.sqlite3     SQLite's online backup API: one consistent snapshot while the server writes
  database.pgdump      or `pg_dump --format=custom` (one transaction's snapshot) on PostgreSQL
  files/...            every file of the data dir (XIEZUO_DATA_DIR) but the excluded below: uploaded files,
                       case attachments, the published runs' frozen inputs (runs/), import uploads

The field keys (identity-number encryption) and the session key are never in it: a stolen backup must
not carry the key to its own identity numbers. They are backed up separately, and `restore` needs the
same keys (XIEZUO_FIELD_KEYS or the data dir's field.keys) to read identity numbers afterwards.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "xiezuo-backup/1"
KEYS_REMINDER = ("The field keys that encrypt identity numbers are NOT in this backup (never in the same file). "
                 "Back up XIEZUO_FIELD_KEYS, or the data dir's field.keys, separately: without them the restored "
                 "identity numbers cannot be read.")


class BackupError(Exception):
    pass


# Not carried: the database (dumped instead), the keys (see above), collected static files, job scratch
# (progress files, exports offered for a week) and work folders of a backup or restore in progress.
EXCLUDED = ("xiezuo.sqlite3", "xiezuo.sqlite3-wal", "xiezuo.sqlite3-shm", "xiezuo.sqlite3-journal",
            "field.keys", "secret.key", "static", "jobs")


def data_files(exclude: tuple[Path, ...] = ()) -> list[Path]:
    """The data dir's files a backup carries, relative to it."""
    root = Path(settings.DATA_DIR)
    skip = {root / name for name in EXCLUDED} | {p.resolve() for p in exclude}
    out = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(s == path or s in path.parents for s in skip):
            continue
        rel = path.relative_to(root)
        if rel.parts[0].startswith((".xiezuo-", "tmp")) or path.name.endswith(".partial"):
            continue
        out.append(rel)
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """libpq connection options for pg_dump/pg_restore from Django's settings (password via the environment)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _dump_database(folder: Path) -> Path:
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=60)
        dest = sqlite3.connect(target)
        try:
            # pages=-1 copies in one step, inside one read transaction: a consistent snapshot that
            # writers (WAL) are not blocked by, and that their commits cannot restart
            source.backup(dest, pages=-1)
        finally:
            dest.close()
            source.close()
        return target
    if connection.vendor == "postgresql":
        target = folder / "database.pgdump"
        args, env = _pg_env()
        done = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return target
    raise BackupError(f"no backup for the {connection.vendor} database")


def backup(output: Path) -> dict:
    """Write the archive to `output`; returns its manifest."""
    output = Path(output).resolve()
    root = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".xiezuo-backup-") as tmp:
        dump = _dump_database(Path(tmp))
        migrations = sorted(MigrationRecorder(connection).applied_migrations())
        manifest = {
            "format": FORMAT, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "vendor": connection.vendor, "database": dump.name, "database_sha256": _sha256(dump),
            "migrations": [f"{app}.{name}" for app, name in migrations], "files": {},
            "keys": KEYS_REMINDER,
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname=dump.name)
            for rel in data_files(exclude=(output, partial, Path(tmp))):
                arcname = f"files/{rel.as_posix()}"
                manifest["files"][arcname] = _add_file(tar, root / rel, arcname)
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        partial.replace(output)  # never a half-written archive under the real name
    return manifest


class _Hashing(io.RawIOBase):
    """Reads a file for tarfile and hashes exactly the bytes archived (a file may change meanwhile)."""

    def __init__(self, fh, size: int):
        self.fh, self.left, self.hash = fh, size, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.fh.read(n).ljust(n, b"\0")  # a file that shrank meanwhile: its tail is zeros, as hashed
        self.left -= len(data)
        self.hash.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> str:
    with path.open("rb") as fh:
        info = tar.gettarinfo(fileobj=fh, arcname=arcname)
        reader = _Hashing(fh, info.size)
        tar.addfile(info, reader)
    return reader.hash.hexdigest()


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(archive: Path) -> dict:
    """Restore the archive into this installation's empty database and data dir; returns the manifest."""
    with tarfile.open(archive, "r") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"not a Xiezuo backup ({manifest.get('format')!r})")
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"the backup is of a {manifest['vendor']} database; this one is {connection.vendor}")
        if not _database_is_empty():
            raise BackupError("the database is not empty: restore goes into a new, empty database")
        with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".xiezuo-restore-") as tmp:
            tar.extractall(tmp, filter="data")
            root = Path(tmp)
            dump = root / manifest["database"]
            if _sha256(dump) != manifest["database_sha256"]:
                raise BackupError("the database in the archive is damaged (checksum)")
            for arcname, digest in manifest["files"].items():
                if _sha256(root / arcname) != digest:
                    raise BackupError(f"{arcname} in the archive is damaged (checksum)")
            _restore_database(dump)
            if (root / "files").is_dir():
                shutil.copytree(root / "files", settings.DATA_DIR, dirs_exist_ok=True)
    return manifest


def _restore_database(dump: Path) -> None:
    if connection.vendor == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)  # an empty file (no tables) and its journal
        source = sqlite3.connect(dump)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return
    args, env = _pg_env()
    connection.close()
    done = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", *args,
                           str(dump)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
