"""Issue 12, item 3: a duplicate identity number held by another county is reported without naming or
locating the other record, and logged for the county that holds it.

The attack: a dry-run import of another county's identity numbers named the household each
belonged to; the member-create API answered the same question.
"""

from __future__ import annotations

import pytest
from django.test import Client

from xiezuo.accounts.models import AuditEntry

from .data import B_IDS

pytestmark = pytest.mark.django_db

B_VILLAGE = "510821100201"
DUPLICATE = "registry.member.duplicate_elsewhere"


def _shows_b(text: str, secrets) -> list[str]:
    return [v for v in (*secrets.household_numbers, *secrets.head_names, *secrets.member_names, B_VILLAGE, "乙村",
                        "旺苍") if v in text]


def test_dry_run_import_does_not_name_another_countys_household(two_counties, divisions, make_user, tmp_path):
    from xiezuo.dataio import sample
    from xiezuo.dataio.importer import run_import

    user = make_user("lz", division=divisions["lizhou"])
    a_number = two_counties["a"]["household"].number
    path = sample.write_workbook(tmp_path / "probe.xlsx", {"家庭成员": [
        {"户编号": a_number, "姓名": "探测一", "证件号码": B_IDS[0], "与户主关系": "其他"},
        {"户编号": a_number, "姓名": "探测二", "证件号码": B_IDS[1], "与户主关系": "其他"},
    ]})
    result = run_import(path, user=user, dry_run=True)
    messages = "\n".join(p.message for p in result.problems)
    assert result.error_rows == 2, messages
    assert not _shows_b(messages, two_counties["b_secrets"]), messages
    # the county holding the numbers sees the attempt in its audit log
    entries = AuditEntry.objects.filter(action=DUPLICATE)
    assert entries.count() == 2
    assert {e.division_code for e in entries} == {B_VILLAGE} and {e.actor for e in entries} == {user}


def test_member_create_api_does_not_locate_another_countys_member(two_counties, divisions, make_user):
    from xiezuo.accounts.services import token_create

    user = make_user("lz", division=divisions["lizhou"])
    token = token_create(user=user)
    response = Client().post("/api/registry/members/", {
        "household": two_counties["a"]["household"].pk, "name": "探测", "id_number": B_IDS[0], "relation": "40"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert not _shows_b(response.content.decode(), two_counties["b_secrets"])
    entry = AuditEntry.objects.get(action=DUPLICATE)
    assert entry.division_code == B_VILLAGE and entry.actor == user and entry.source == "api"


def test_a_duplicate_in_ones_own_scope_is_still_named(two_counties, divisions, make_user, tmp_path):
    """Within scope the household is named, as it helps to resolve the duplicate, and nothing is logged."""
    from xiezuo.dataio import sample
    from xiezuo.dataio.importer import run_import

    user = make_user("gy", role="city_staff", division=divisions["guangyuan"])
    path = sample.write_workbook(tmp_path / "dup.xlsx", {"家庭成员": [
        {"户编号": two_counties["a"]["household"].number, "姓名": "重复", "证件号码": B_IDS[0], "与户主关系": "其他"},
    ]})
    result = run_import(path, user=user, dry_run=True)
    assert "B510821-0001" in "\n".join(p.message for p in result.problems)
    assert not AuditEntry.objects.filter(action=DUPLICATE).exists()


def test_probing_is_paused_after_the_hours_limit_and_then_says_nothing(two_counties, divisions, make_user, tmp_path,
                                                                        settings):
    """Trying numbers one by one maps who is registered where: past XIEZUO_DUPLICATE_PROBES_PER_HOUR "elsewhere"
    answers, every new identity number is refused alike, registered or not, without being looked up."""
    from xiezuo.accounts.services import token_create
    from xiezuo.dataio import sample
    from xiezuo.dataio.importer import run_import
    from xiezuo.registry.models import Member

    settings.XIEZUO_DUPLICATE_PROBES_PER_HOUR = 1
    user = make_user("lz", division=divisions["lizhou"])
    token = token_create(user=user)
    household = two_counties["a"]["household"]

    def create(id_number: str):
        return Client().post("/api/registry/members/", {
            "household": household.pk, "name": "探测", "id_number": id_number, "relation": "40"},
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert create(B_IDS[0]).status_code == 400 and AuditEntry.objects.filter(action=DUPLICATE).count() == 1
    registered, fresh = create(B_IDS[1]), create("51080220000101001X")
    assert registered.status_code == fresh.status_code == 400
    assert registered.json() == fresh.json()  # the same answer whether the number is held elsewhere or nowhere
    assert AuditEntry.objects.filter(action=DUPLICATE).count() == 1  # nothing more was looked up
    assert AuditEntry.objects.filter(action="registry.member.duplicate_checks_paused").count() == 1
    assert not Member.objects.filter(name="探测").exists()
    # the import path shares the hour's count: every clear number refused alike
    path = sample.write_workbook(tmp_path / "probe.xlsx", {"家庭成员": [
        {"户编号": household.number, "姓名": "探测二", "证件号码": B_IDS[1], "与户主关系": "其他"},
        {"户编号": household.number, "姓名": "探测三", "证件号码": "51080220000101001X", "与户主关系": "其他"},
    ]})
    result = run_import(path, user=user, dry_run=True)
    assert result.error_rows == 2 and len({p.message for p in result.errors}) == 1
    assert AuditEntry.objects.filter(action=DUPLICATE).count() == 1
    # another user of the county is not paused: the limit is per user
    other = make_user("lz2", division=divisions["lizhou"])
    assert AuditEntry.objects.filter(action=DUPLICATE, actor=other).count() == 0
    from xiezuo.registry.services import duplicate_probes_left

    assert duplicate_probes_left(other) == 1 and duplicate_probes_left(user) == 0


def test_an_import_counts_its_own_elsewhere_answers(two_counties, divisions, make_user, tmp_path, settings):
    """Within one file each "elsewhere" answer uses one of the hour's probes: past the limit the file's further
    numbers are refused alike, without a look-up."""
    from xiezuo.dataio import sample
    from xiezuo.dataio.importer import run_import

    settings.XIEZUO_DUPLICATE_PROBES_PER_HOUR = 1
    user = make_user("lz", division=divisions["lizhou"])
    number = two_counties["a"]["household"].number
    path = sample.write_workbook(tmp_path / "probe.xlsx", {"家庭成员": [
        {"户编号": number, "姓名": "探测一", "证件号码": B_IDS[0], "与户主关系": "其他"},
        {"户编号": number, "姓名": "探测二", "证件号码": B_IDS[1], "与户主关系": "其他"},
        {"户编号": number, "姓名": "探测三", "证件号码": "51080220000101001X", "与户主关系": "其他"},
    ]})
    result = run_import(path, user=user, dry_run=True)
    messages = [p.message for p in sorted(result.errors, key=lambda p: p.row)]
    assert len(messages) == 3 and messages[1] == messages[2] != messages[0]  # "elsewhere", then paused twice
    assert AuditEntry.objects.filter(action=DUPLICATE).count() == 1
    assert AuditEntry.objects.filter(action="registry.member.duplicate_checks_paused").count() == 1


def test_an_import_without_a_user_names_every_duplicate_and_is_never_paused(two_counties, tmp_path, settings):
    """The system context (user None: the command line) sees every household: no probe is counted, however many
    duplicates a file has."""
    from xiezuo.dataio import sample
    from xiezuo.dataio.importer import run_import

    settings.XIEZUO_DUPLICATE_PROBES_PER_HOUR = 1
    number = two_counties["a"]["household"].number
    path = sample.write_workbook(tmp_path / "dup.xlsx", {"家庭成员": [
        {"户编号": number, "姓名": "重复一", "证件号码": B_IDS[0], "与户主关系": "其他"},
        {"户编号": number, "姓名": "重复二", "证件号码": B_IDS[1], "与户主关系": "其他"},
    ]})
    result = run_import(path, user=None, dry_run=True)
    assert result.error_rows == 2 and all("B510821-0001" in p.message for p in result.errors)
    assert not AuditEntry.objects.filter(action__startswith="registry.member.duplicate").exists()


@pytest.mark.parametrize(("who", "probe"), [("system", False), ("admin", False), ("city", False), ("lizhou", True)])
def test_a_duplicate_answer_is_a_probe_exactly_when_it_hides_the_household(two_counties, divisions, make_user, who,
                                                                           probe):
    """The one rule both the API and the import count by: an answer that does not name the household is a probe,
    logged for the county holding the number; the system context and a user whose scope holds it get the name."""
    from xiezuo.registry.services import duplicate_identity_answer

    user = {"system": lambda: None, "admin": lambda: make_user("boss", role="admin"),
            "city": lambda: make_user("gy", role="city_staff", division=divisions["guangyuan"]),
            "lizhou": lambda: make_user("lz", division=divisions["lizhou"])}[who]()
    holder = two_counties["b"]["members"][0]
    answer = duplicate_identity_answer(user=user, member_id=holder.pk, village_code=B_VILLAGE,
                                       household_number="B510821-0001", source="test")
    assert answer.probe is probe
    assert ("B510821-0001" not in answer.message) is probe
    assert AuditEntry.objects.filter(action=DUPLICATE).count() == int(probe)
