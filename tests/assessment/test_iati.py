"""IATI export: the activity file validates against the official 2.03 XSD; money comes from the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

SCHEMA_DIR = Path(__file__).parent / "iati_schema"


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd")))


@pytest.mark.parametrize("sample", sorted((SCHEMA_DIR / "samples").glob("*.xml")), ids=lambda p: p.name)
def test_the_validator_discriminates_the_official_samples(schema, sample):
    ok = schema.validate(etree.parse(str(sample)))
    assert ok is sample.name.startswith("should-pass"), schema.error_log


@pytest.mark.django_db
def test_export_validates_and_carries_the_ledger(schema, ledger, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "iati.xml"
    call_command("iati-export", "--year", "2019", "-o", str(path))
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log
    act = doc.getroot()[0]
    assert act.findtext("iati-identifier").endswith("WC-2019-001")
    assert [n.text for n in act.find("title")] == ["白叶一号茶园", "White tea garden"]
    roles = {o.get("role"): o.findtext("narrative") for o in act.findall("participating-org")}
    assert roles == {"1": "湖州市", "4": "旺苍县"}  # funding: the Zhejiang side; implementing: the county
    assert act.find("sector").get("code") == "31120" and act.find("recipient-country").get("code") == "CN"
    tx = [(t.find("transaction-type").get("code"), Decimal(t.findtext("value"))) for t in act.findall("transaction")]
    commitments = sum(v for c, v in tx if c == "2")
    disbursed = sum(v for c, v in tx if c == "3")
    # commitments = allocations; disbursements net of the reversal (300,000 − 300,000 + 250,000.50)
    assert commitments == Decimal("1000000.00") and disbursed == Decimal("250000.50")
    assert Decimal(act.find("budget/value").text) == Decimal("1000000.00")


@pytest.mark.django_db
def test_export_of_another_year_leaves_the_project_out(ledger, tmp_path):
    from xiezuo.assessment.iati import write_iati

    assert write_iati(year=2017, path=str(tmp_path / "x.xml")) == 0


@pytest.mark.django_db
def test_export_iati_through_the_export_command(schema, ledger, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "iati.xml"
    call_command("export", "iati", "--year", "2019", "-o", str(path))
    assert schema.validate(etree.parse(str(path)))


@pytest.mark.django_db
def test_fund_indicators_per_county_and_pairing_against_the_agreement_target(ledger, divisions):
    # Given the ledger above and a 2019 agreement target of 2,000,000 yuan fiscal aid for 旺苍
    from xiezuo.assessment.values import Query, value
    from xiezuo.cooperation.models import Agreement, AgreementTarget

    project, _alloc = ledger
    agreement = Agreement.objects.create(title="湖州–旺苍 2019", east_division=divisions["huzhou"],
                                         west_division=divisions["wangcang"], round="2018",
                                         signed_on=dt.date(2019, 1, 10), valid_from=dt.date(2019, 1, 1))
    AgreementTarget.objects.create(agreement=agreement, year=2019, indicator="fiscal_aid",
                                   target=Decimal("2000000.00"), unit="yuan")
    # When the county's and the pairing's values are computed
    county = value("aid_committed", Query(year=2019, prefix="510821"))
    by_pairing = value("aid_committed", Query(year=2019, pairing=project.pairing_id))
    # Then commitments are the allocations, 50 % of the target, and the pairing sees the same money
    assert county.value == Decimal("1000000.00") and county.target == Decimal("2000000.00")
    assert county.completion_pct == Decimal("50.0")
    assert by_pairing.value == Decimal("1000000.00")
    # and disbursements are net of the reversal: 300,000 − 300,000 + 250,000.50
    assert value("aid_disbursed", Query(year=2019, prefix="510821")).value == Decimal("250000.50")
    assert value("projects", Query(year=2019, prefix="5108")).value == 1
    assert value("aid_committed", Query(year=2019, prefix="510802")).value == Decimal("0.00")
