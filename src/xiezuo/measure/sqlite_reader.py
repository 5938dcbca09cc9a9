"""Read SQLite query results straight to Arrow with ADBC, in a child process.

adbc_driver_sqlite carries its own copy of SQLite. In the process that also holds Django's
connection the two copies do not see each other: when ADBC's closed the file it took itself for
the last user, removed the WAL and truncated the shared-memory index Django still had mapped, and
the next commit died of SIGBUS. In a child process the copies are two processes, SQLite's normal
way of sharing a database (file locks see each other), and ADBC keeps its speed: 1 M households'
inputs in ~5 s instead of ~19 s through Python's sqlite3.

    tables = read(path, {"households": "SELECT ...", ...})   # in the parent

The child (`python -m xiezuo.measure.sqlite_reader`) imports neither Django nor the project's
settings: it gets the path and the statements as JSON on stdin and writes one Arrow IPC file per
statement into the folder it is given; or, for `stream(path, sql)`, one statement's rows as an Arrow IPC
stream on its stdout, read batch by batch (a snapshot of any size in bounded memory).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa


def read(path: str | Path, statements: dict[str, str], *, timeout: float = 3600) -> dict[str, pa.Table]:
    """Each statement's rows as an Arrow table, read by a child process; raises RuntimeError if it fails."""
    with tempfile.TemporaryDirectory(prefix="xiezuo-read-") as folder:
        job = json.dumps({"path": str(path), "statements": statements, "folder": folder})
        done = subprocess.run([sys.executable, "-m", __name__], input=job, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the SQLite reader failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        tables = {}
        for name in statements:
            with pa.OSFile(str(Path(folder) / f"{name}.arrow"), "rb") as source:  # read into memory, not mapped
                tables[name] = pa.ipc.open_file(source).read_all()
        return tables


def stream(path: str | Path, sql: str) -> Iterator[pa.RecordBatch]:
    """The statement's rows as record batches, read by a child process as it streams them; raises RuntimeError
    if it fails (possibly after some batches)."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=errors)

        def failure() -> RuntimeError:
            errors.seek(0)
            return RuntimeError(f"the SQLite reader failed ({child.returncode}): "
                                f"{errors.read().decode(errors='replace').strip()[-500:]}")

        try:
            child.stdin.write(json.dumps({"path": str(path), "stream": sql}).encode())
            child.stdin.close()
            try:
                yield from pa.ipc.open_stream(child.stdout)
            except pa.ArrowInvalid as exc:  # a stream cut short: the child's error says why
                if child.wait() != 0:
                    raise failure() from exc
                raise
        except BaseException:
            child.kill()  # left midway (or failed): stop the child
            raise
        finally:
            child.stdout.close()
            child.wait()
        if child.returncode != 0:
            raise failure()


def main() -> None:
    import adbc_driver_sqlite.dbapi as lite

    job = json.loads(sys.stdin.read())
    if "stream" in job:
        with lite.connect(str(job["path"])) as conn, conn.cursor() as cur:
            cur.execute(job["stream"])
            reader = cur.fetch_record_batch()
            with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        return
    with lite.connect(str(job["path"])) as conn, conn.cursor() as cur:
        for name, sql in job["statements"].items():
            cur.execute(sql)
            table = cur.fetch_arrow_table()
            with pa.OSFile(str(Path(job["folder"]) / f"{name}.arrow"), "wb") as sink, \
                    pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)


if __name__ == "__main__":
    main()
