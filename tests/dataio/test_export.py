"""Export: scoped, masked unless unmasked with a reason (audited), and a round trip that changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.dataio import readers, services
from xiezuo.dataio.importer import run_import

from .conftest import ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(household_file, admin):
    run_import(household_file, user=admin, dry_run=False)
    from xiezuo.registry.models import Household

    household = Household.objects.get(number="A001")
    household.phone, household.bank_account = "13812345678", "6228480012345678"  # stored encrypted and masked
    household.save()


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_export_masks_personal_data_and_round_trips_unchanged(registry, admin, tmp_path, fmt):
    # given the registry exported as members and households
    for entity, expected in (("households", 3), ("members", 7), ("facts", 3)):
        path = tmp_path / f"{entity}.{fmt}"
        assert services.export_file(entity=entity, fmt=fmt, path=path, user=admin) == expected
        text = repr(readers.read(path)[0].rows)
        # then identity numbers, phones and bank accounts are masked
        assert ids(1)[0] not in text and "13812345678" not in text and "6228480012345678" not in text
        # and when the export is imported again, every row is unchanged
        again = run_import(path, user=admin, dry_run=True)
        assert (again.rows, again.unchanged, again.errors) == (expected, expected, []), again.errors[:3]


def test_unmasked_export_needs_permission_and_a_reason_and_is_audited(registry, admin, make_user, divisions,
                                                                      tmp_path):
    village_user = make_user("village-clerk", role="village", division=divisions["lizhou_village"], kind="view")
    with pytest.raises(PermissionDenied):
        services.export_file(entity="members", fmt="csv", path=tmp_path / "m.csv", user=village_user,
                             unmask=True, reason="check")
    with pytest.raises(PermissionDenied):  # the admin role alone does not export in clear
        services.export_file(entity="members", fmt="csv", path=tmp_path / "m.csv", user=admin, unmask=True,
                             reason="annual verification")
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(Permission.objects.get(codename="bulk_unmask"))
    admin = type(admin).objects.get(pk=admin.pk)  # a fresh permission cache
    with pytest.raises(ValidationError):
        services.export_file(entity="members", fmt="csv", path=tmp_path / "m.csv", user=admin, unmask=True)
    services.export_file(entity="members", fmt="csv", path=tmp_path / "m.csv", user=admin, unmask=True,
                         reason="annual verification")
    assert ids(1)[0] in (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    from xiezuo.accounts.models import AuditEntry

    entry = AuditEntry.objects.get(action="dataio.export.unmasked")
    assert entry.data["reason"] == "annual verification" and entry.actor == admin
    # an unmasked export round-trips too
    again = run_import(tmp_path / "m.csv", user=admin, dry_run=True)
    assert (again.unchanged, again.errors) == (7, [])


def test_export_respects_scope_and_filters(registry, admin, make_user, divisions, make_household, tmp_path):
    make_household(divisions["wangcang_village"], members=((ids(60, "510821")[59], "01"),))
    lizhou = make_user("lz", role="county_staff", division=divisions["lizhou"], kind="view")
    assert services.export_file(entity="households", fmt="csv", path=tmp_path / "a.csv", user=admin) == 4
    assert services.export_file(entity="households", fmt="csv", path=tmp_path / "l.csv", user=lizhou) == 3
    assert services.export_file(entity="households", fmt="csv", path=tmp_path / "w.csv", user=admin,
                                params={"division": divisions["wangcang"].code}) == 1
    east = make_user("east", role="east_office", division=divisions["huzhou"], kind="view")
    assert services.export_file(entity="members", fmt="csv", path=tmp_path / "e.csv", user=east) == 0


def test_cli_export_without_user_acts_as_system_and_is_audited(registry, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "h.xlsx"
    call_command("export", "households", "--format", "xlsx", "-o", str(out))
    assert len(readers.read(out)[0].rows) == 4
    from xiezuo.accounts.models import AuditEntry

    assert AuditEntry.objects.filter(action="dataio.export", actor_name="system").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_export_translates_choice_labels_once_per_column_not_per_cell(registry, admin, tmp_path, fmt, monkeypatch):
    """Translating every choice label for every cell made a 107,753-household export take minutes."""
    from xiezuo.dataio.specs import Column

    calls = []
    original = Column.choice_rows
    monkeypatch.setattr(Column, "choice_rows", lambda self: calls.append(self.name) or original(self))
    services.export_file(entity="households", fmt=fmt, path=tmp_path / f"h.{fmt}", user=admin)
    assert len(calls) == len(set(calls))  # each coded column once, whatever the number of rows


@pytest.mark.parametrize("entity", ["households", "facts"])
def test_bulk_export_rows_equal_the_model_rows(registry, admin, entity):
    """The `values()` read gives the same rows as the one-instance-per-row read it replaces."""
    from xiezuo.dataio import specs

    spec = specs.get(entity)
    qs = services.export_queryset(entity=entity, user=admin)
    for unmask in (False, True):
        bulk = list(spec.export_rows(qs, unmask=unmask))
        assert bulk and bulk == [spec.export_row(obj, unmask=unmask) for obj in qs]
