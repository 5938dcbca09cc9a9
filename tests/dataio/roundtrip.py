"""The template round trip every importable sheet passes, as a clerk does it:

download the template through the web view; import it unmodified (refused with "no rows", never
a word about its hidden code-list sheet); fill rows with openpyxl, and the same workbook saved by
LibreOffice; import both (no problems, every row new); commit; re-import (every row unchanged);
export through the web view and re-import (unchanged); the export opened and saved by LibreOffice
re-imports unchanged too.

Used by tests/dataio/test_roundtrip.py and by each app's test_roundtrip.py (their fixtures).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from django.urls import reverse

from xiezuo.dataio import specs
from xiezuo.dataio.importer import run_import

from .conftest import libreoffice_convert


def _download(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def _ok(result, *, new: int = 0, unchanged: int = 0, what: str = "", warned: str = "") -> None:
    """No problem at all; or, with `warned`, exactly one warning per row, each containing that text."""
    problems = [(p.sheet, p.row, p.column, p.value, p.message) for p in result.problems]
    if warned:
        assert all(p.level == "warning" and warned in p.message for p in result.problems), f"{what}: {problems}"
        assert len({p.row for p in result.problems}) == len(problems) == new + unchanged, f"{what}: {problems}"
    else:
        assert problems == [], f"{what}: {problems}"
    assert (result.new, result.unchanged, result.changed) == (new, unchanged, 0), (what, result.as_json()["sheets"])


def template_round_trip(client, user, entity: str, sheets: dict[str, list[dict[str, Any]]], tmp_path: Path,
                        *, export: tuple[str, ...] | None = None, reimport: bool = True, duplicate: str = "") -> None:
    """`sheets`: entity -> rows as {Chinese header: value} for the template's sheets (the entity's
    own, and those its template carries). `export`: the entities exported and re-imported (default
    all). `reimport=False` for a sheet of events (a department warning opens a case; the same
    warning again is refused as a duplicate, not "unchanged"). `duplicate`: for a sheet without a natural key
    (sales), the warning text each row of the filled file, imported again without record numbers, gets
    as a probable duplicate (skipped: unchanged, never counted twice)."""
    client.force_login(user)
    template = tmp_path / f"{entity}-template.xlsx"
    template.write_bytes(_download(client.get(reverse("dataio:template", args=[entity]), {"lang": "zh"})))
    bare = run_import(template, user=user, dry_run=True)
    assert [(p.row, p.level) for p in bare.problems] == [(0, "error")], bare.problems
    assert "代码表" not in bare.problems[0].message and not bare.committed

    wb = openpyxl.load_workbook(template)
    for ent, rows in sheets.items():
        ws = wb[specs.get(ent).title_zh]
        headers = [str(c.value).rstrip("*") for c in ws[1]]
        for r, row in enumerate(rows, start=2):
            for header, value in row.items():
                ws.cell(r, headers.index(header) + 1, value)
    filled = tmp_path / "filled" / "filled.xlsx"
    filled.parent.mkdir()
    wb.save(filled)
    (tmp_path / "lo-filled").mkdir()
    saved_by_lo = libreoffice_convert(filled, tmp_path / "lo-filled")
    total = sum(len(rows) for rows in sheets.values())
    for path in (filled, saved_by_lo):
        _ok(run_import(path, user=user, dry_run=True), new=total, what=f"{entity} template filled ({path.parent.name})")
    done = run_import(saved_by_lo, user=user, dry_run=False)
    assert done.committed, done.problems
    if not reimport:
        return
    _ok(run_import(filled, user=user, dry_run=True), unchanged=total, what=f"{entity} re-imported", warned=duplicate)

    for ent in export or tuple(sheets):
        out = tmp_path / f"export-{ent}" / f"{ent}.xlsx"
        out.parent.mkdir()
        out.write_bytes(_download(client.get(reverse("dataio:export"), {"entity": ent, "format": "xlsx"})))
        assert len(openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active["A"]) > len(sheets[ent])
        _ok(run_import(out, user=user, entity=ent, dry_run=True), unchanged=len(sheets[ent]), what=f"{ent} export")
        (tmp_path / f"lo-export-{ent}").mkdir()
        resaved = libreoffice_convert(out, tmp_path / f"lo-export-{ent}")
        _ok(run_import(resaved, user=user, entity=ent, dry_run=True), unchanged=len(sheets[ent]),
            what=f"{ent} export saved by LibreOffice")
