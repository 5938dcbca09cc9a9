"""The SQLite reader in a child process: ADBC's rows as Arrow, while this process keeps its own connection
to the same WAL database open (the case that crashed when ADBC ran in-process)."""

from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest

from xiezuo.measure import sqlite_reader


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "r.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE h (id INTEGER PRIMARY KEY, village TEXT, exit_year INTEGER)")
    con.executemany("INSERT INTO h VALUES (?, ?, ?)", [(i, f"5108{i:08d}", 2019 if i % 3 else None)
                                                      for i in range(1, 2001)])
    con.commit()
    yield path, con
    con.close()


def test_the_child_reads_the_rows_and_this_connection_keeps_working(database):
    path, con = database
    tables = sqlite_reader.read(path, {"h": "SELECT id, village, exit_year FROM h ORDER BY id",
                                       "n": "SELECT COUNT(*) AS n FROM h"})
    h = tables["h"]
    assert h.num_rows == 2000 and h.column("id").to_pylist()[:3] == [1, 2, 3]
    assert h.column("village")[0].as_py() == "510800000001" and h.column("exit_year").null_count == 666
    assert tables["n"].to_pylist() == [{"n": 2000}]
    # this process's own connection still writes and commits (it died of SIGBUS with ADBC in-process)
    con.execute("INSERT INTO h VALUES (5000, 'x', NULL)")
    con.commit()
    assert con.execute("SELECT COUNT(*) FROM h").fetchone() == (2001,)


def test_a_failing_statement_is_an_error_with_the_reason(database):
    path, _con = database
    with pytest.raises(RuntimeError, match="no such table"):
        sqlite_reader.read(path, {"x": "SELECT * FROM missing"})
    assert isinstance(sqlite_reader.read(path, {"e": "SELECT id FROM h WHERE id < 0"})["e"], pa.Table)


def test_the_child_streams_batches_and_reports_a_failure(database):
    path, con = database
    batches = list(sqlite_reader.stream(path, "SELECT id, village, exit_year FROM h ORDER BY id"))
    table = pa.Table.from_batches(batches)
    assert len(batches) > 1 and table.num_rows == 2000 and table.column("exit_year").null_count == 666
    partial = sqlite_reader.stream(path, "SELECT id FROM h")
    next(partial)
    partial.close()  # a reader left midway: the child is stopped, this connection keeps working
    con.execute("INSERT INTO h VALUES (5001, 'y', NULL)")
    con.commit()
    with pytest.raises(RuntimeError, match="no such table"):
        list(sqlite_reader.stream(path, "SELECT * FROM missing"))
