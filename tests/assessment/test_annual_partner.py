"""The annual report names the partner province from the division tree, never from the code (issue 15)."""

from __future__ import annotations

from types import SimpleNamespace

from xiezuo.assessment.annual import ReportData, narrative


class _Values(dict):
    def __missing__(self, code):
        return SimpleNamespace(value=1)


def _labour_sentence(partner: str) -> str:
    data = ReportData(year=2020, values=_Values(), counties=[], by_county={"incidence_pct": {}}, region="定西市",
                      partner=partner)
    return next(p for p in narrative(data) if "劳务协作工作站" in p)


def test_the_workstations_sentence_names_the_partner_of_the_data():
    # given the report data of a region whose tree's eastern side is 福建省, and of one without an eastern side
    # then the sentence names that province, or the generic partner, and no other
    assert "在福建省设立劳务协作工作站1个" in _labour_sentence("福建省")
    assert "在东部协作地区设立劳务协作工作站1个" in _labour_sentence("")


def test_report_data_reads_the_partner_from_the_tree(db, divisions):
    from xiezuo.assessment.annual import report_data

    # given the fixture's tree (浙江省 on the eastern side), when the system's report data are read
    assert report_data(year=2013).partner == "浙江省"
