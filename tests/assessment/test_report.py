"""The annual report: its figures are the indicator values; the PDF keeps its Chinese text."""

from __future__ import annotations

import openpyxl
import pytest
from pypdf import PdfReader

from xiezuo.assessment.annual import narrative, report_data, write_annual_report
from xiezuo.assessment.values import Query, value

pytestmark = pytest.mark.django_db


def test_xlsx_figures_equal_the_indicator_values(poverty, tmp_path):
    # Given the 2013 registry, when the workbook is written
    path = tmp_path / "r.xlsx"
    write_annual_report(year=2013, fmt="xlsx", path=str(path))
    wb = openpyxl.load_workbook(path)
    # Then there is a sheet per strand plus the summary and the indicator sheet
    assert len(wb.sheetnames) == 8 and wb.sheetnames[0].startswith("摘要")
    ws = wb["指标与目标 Indicators"]
    cells = {row[0]: row[4] for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}
    # And each figure is a number equal to the indicator's value
    assert cells["poor_people"] == value("poor_people", Query(year=2013, prefix="5108")).value == 4
    assert cells["incidence_pct"] == pytest.approx(8.0)
    assert isinstance(cells["poor_households"], int | float)
    poverty_sheet = wb["贫困与监测 Poverty"]
    assert poverty_sheet["E4"].number_format == "#,##0"


def test_pdf_opens_and_its_chinese_text_extracts_back(poverty, tmp_path):
    path = tmp_path / "r.pdf"
    write_annual_report(year=2013, fmt="pdf", path=str(path))
    reader = PdfReader(path)
    text = "".join(page.extract_text() for page in reader.pages)
    # pypdf decodes fpdf2's two-byte ToUnicode map with a NUL before each character: drop them
    compact = "".join(text.replace("\x00", "").split())
    # The narrative paragraphs come back character for character (line breaks aside)
    for para in narrative(report_data(year=2013)):
        assert "".join(para.split()) in compact
    assert "建档立卡贫困人口4人" in compact and "贫困发生率8.00%" in compact
    # And the CJK font is embedded (a subset), not referenced
    fonts = [f for p in reader.pages for f in (p["/Resources"]["/Font"].values())]
    assert any("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               or "/FontFile3" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               for f in fonts if "/DescendantFonts" in f.get_object())


def test_report_command_writes_the_file(poverty, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "r.xlsx"
    call_command("report", "annual", "--year", "2013", "--format", "xlsx", "-o", str(path))
    assert path.stat().st_size > 1000
