"""dataio fixtures: small registry files written by openpyxl, csv and LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

VILLAGE = "510802101201"  # 甲村 in the shared `divisions` fixture (利州区)
OTHER_VILLAGE = "510821100201"  # 乙村 (旺苍县)

HH_HEAD = ["户编号", "村代码", "户主姓名", "主要致贫原因"]
M_HEAD = ["户编号", "姓名", "身份证号", "与户主关系"]
F_HEAD = ["户编号", "年度", "家庭人口数", "工资性收入", "生产经营性支出"]


def ids(n: int, region: str = "510802") -> list[str]:
    from xiezuo.dataio.sample import id_number

    return [id_number(i, region) for i in range(n)]


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, hidden_rows=(), merges=(), text_columns=()) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for r in hidden_rows:
            ws.row_dimensions[r].hidden = True
        for rng in merges:
            ws.merge_cells(rng)
        for col in text_columns:
            for cell in ws[col]:
                cell.number_format = "@"
    wb.save(path)
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(source: Path, outdir: Path, fmt: str = "xlsx") -> Path:
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    profile = outdir / "lo-profile"
    infilter = ["--infilter=CSV:44,34,76,1"] if source.suffix == ".csv" else []  # 76 = UTF-8
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", *infilter, "--convert-to", fmt,
                    "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=120)
    out = outdir / (source.stem + "." + fmt)
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


@pytest.fixture
def admin(make_user):
    return make_user("dataio-admin", role="admin")


@pytest.fixture
def county_user(make_user, divisions):
    return make_user("lizhou-staff", role="county_staff", division=divisions["lizhou"], kind="edit")


@pytest.fixture
def household_file(tmp_path, divisions):
    """Three households, seven members and their 2019 facts, in one workbook."""
    numbers = ["A001", "A002", "A003"]
    people = ids(7)
    members = [M_HEAD]
    k = 0
    for n, size in zip(numbers, (3, 2, 2), strict=True):
        for j in range(size):
            members.append([n, f"人{k}", people[k], "户主" if j == 0 else "配偶"])
            k += 1
    return write_xlsx(tmp_path / "registry.xlsx", {
        "户": [HH_HEAD] + [[n, VILLAGE, f"户主{n}", "因病"] for n in numbers],
        "成员": members,
        "年度": [F_HEAD, ["A001", 2019, 3, 12000, 500], ["A002", 2019, 2, 8000.5, 0], ["A003", 2019, 2, 9000, 100]],
    }, text_columns=("C",))


def counts() -> tuple[int, int, int]:
    from xiezuo.registry.models import Household, HouseholdYear, Member

    return Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()
