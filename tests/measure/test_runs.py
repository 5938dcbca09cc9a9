"""Runs through the database: bulk results, the explanation, publication and reproduction, a failed
run, what-if and its comparison, flagged households, the pages, and the demo's book figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib.util import find_spec

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from xiezuo.measure import selectors, services
from xiezuo.measure.models import DivisionResult, HouseholdResult, Run
from xiezuo.policy import services as policy_services
from xiezuo.policy.models import PolicyVersion
from xiezuo.registry.models import HouseholdYear


@pytest.fixture
def registry_2021(divisions, make_household, settings, tmp_path):
    """Four households in two counties: an exited one below the 6,000 threshold, an exited one above,
    one with a large medical bill, and a never-registered one below the threshold."""
    settings.DATA_DIR = tmp_path
    policy_services.load_shipped(years=[2021])
    lz, wc = divisions["lizhou_village"], divisions["wangcang_village"]
    two = (("510802199001011236", "01"), ("510802199202021234", "10"))
    a = make_household(lz, members=two, year=2021, income=Decimal("6824"), exit_year=2018,
                       identified_on=dt.date(2014, 5, 1))  # 3,412 a head
    b = make_household(lz, members=(("510802198001011234", "01"),), year=2021, income=Decimal("9000"),
                       exit_year=2017, identified_on=dt.date(2014, 5, 1))
    c = make_household(wc, members=(("510821197001011232", "01"),), year=2021, income=Decimal("12000"),
                       exit_year=2019, identified_on=dt.date(2014, 5, 1))
    HouseholdYear.objects.filter(household=c).update(medical_expense=Decimal("9000"))
    d = make_household(wc, members=(("510821196001011231", "01"),), year=2021, income=Decimal("5000"))
    return {"a": a, "b": b, "c": c, "d": d}


def _run(**kw):
    return services.run_execute(year=2021, policy=PolicyVersion.objects.get(name="national-2021"), **kw)


def test_a_run_judges_each_household_with_reasons(registry_2021, make_user):
    run = _run(publish=True)
    status = dict(HouseholdResult.objects.filter(run=run).values_list("household__number", "status"))
    h = registry_2021
    assert status == {h["a"].number: "monitored", h["b"].number: "exited", h["c"].number: "monitored",
                      h["d"].number: "monitored"}
    admin = make_user("boss", role="admin")
    a = selectors.household_result(admin, h["a"], run)
    assert a.category == "unstable_exited" and a.pcni == Decimal("3412.00")
    with translation.override("en"):
        assert "per-capita income 3,412 yuan is below the monitoring threshold 6,000 yuan" in a.explanation
    with translation.override("zh-hans"):
        assert "人均纯收入 3,412 元，低于监测线 6,000 元" in a.explanation
    c = selectors.household_result(admin, h["c"], run)
    assert c.category == "sudden_difficulty" and "medical_expense" in c.reasons
    d = selectors.household_result(admin, h["d"], run)
    assert d.category == "marginal"
    flags = {f.household_id: f for f in selectors.flagged_households(run)}
    assert set(flags) == {h["a"].pk, h["c"].pk, h["d"].pk}
    assert "below_monitoring_line" in flags[h["a"].pk].reasons


def test_division_results_at_every_level_and_scoped(registry_2021, make_user, divisions):
    run = _run()
    levels = set(DivisionResult.objects.filter(run=run).values_list("level", flat=True))
    assert levels == {"province", "city", "county", "township", "village"}
    city = DivisionResult.objects.get(run=run, division=divisions["guangyuan"])
    assert city.households == 4 and city.people == 5 and city.counts["hh_monitored"] == 3
    lizhou_user = make_user("lz", division=divisions["lizhou"])
    rows = selectors.division_results(lizhou_user, run, "510800000000")
    assert [r.division_id for r in rows] == ["510802000000"]
    assert selectors.household_result(lizhou_user, registry_2021["d"], run) is None  # other county


def test_published_run_freezes_inputs_and_reproduces(registry_2021):
    run = _run(publish=True)
    assert selectors.latest_published_run(2021) == run
    HouseholdYear.objects.filter(household=registry_2021["b"]).update(wage=Decimal("1"))  # the registry changes
    again = services.run_reproduce(run=run)
    assert again.input_hash == run.input_hash
    assert sorted(again.households.column("status").to_pylist()) == sorted(
        HouseholdResult.objects.filter(run=run).values_list("status", flat=True))


def test_a_failed_run_leaves_the_published_results_untouched(registry_2021, monkeypatch):
    published = _run(publish=True)
    n = HouseholdResult.objects.filter(run=published).count()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_insert_households", boom)
    with pytest.raises(RuntimeError):
        _run(publish=True)
    failed = Run.objects.latest("id")
    assert failed.status == "failed" and "disk full" in failed.message and not failed.published
    assert selectors.latest_published_run(2021) == published
    assert HouseholdResult.objects.filter(run=published).count() == n
    assert not HouseholdResult.objects.filter(run=failed).exists()


def test_what_if_threshold_and_comparison(registry_2021, make_user, client):
    base = _run(publish=True)
    admin = make_user("boss", role="admin")
    run = services.what_if(base_run=base, changes={"monitoring_threshold": "10000"}, user=admin)
    assert run.what_if and not run.published and run.policy.status == "draft"
    with translation.override("en"):  # the labels are lazy: read them in the language asked for
        rows = [dict(r, status_label=str(r["status_label"]))
                for r in selectors.status_changes(admin, run=run, base=base, level="county")]
    assert {"code": "510802000000", "name": "利州区", "status": "monitored", "status_label": "monitored",
            "entering": 1, "leaving": 0} in rows
    client.force_login(admin)
    page = client.get(reverse("measure:compare", args=[run.pk]))
    assert page.status_code == 200 and "利州区" in page.content.decode()
    xlsx = client.get(reverse("measure:compare_xlsx", args=[run.pk]))
    wb = openpyxl.load_workbook(__import__("io").BytesIO(xlsx.content))
    assert wb.sheetnames[:2] and wb.worksheets[0].max_row >= 2


def test_pages(registry_2021, make_user, client):
    run = _run(publish=True)
    admin = make_user("boss", role="admin")
    client.force_login(admin)
    assert client.get(reverse("measure:run_list")).status_code == 200
    detail = client.get(reverse("measure:run_detail", args=[run.pk]) + "?parent=510800000000")
    assert detail.status_code == 200 and "旺苍县" in detail.content.decode()
    hh = registry_2021["a"]
    page = client.get(reverse("measure:household_result", args=[run.pk, hh.pk]))
    assert page.status_code == 200
    post = client.post(reverse("measure:what_if"), {"base_run": run.pk, "k": "0.25"})
    assert post.status_code == 302
    outsider = make_user("wc", division=registry_2021["d"].village)
    client.force_login(outsider)
    assert client.get(reverse("measure:household_result", args=[run.pk, hh.pk])).status_code == 404


def test_monitor_command(registry_2021, capsys):
    from django.core.management import call_command

    call_command("monitor", "run", "--year", "2021", "--publish")
    out = capsys.readouterr().out
    assert "households judged" in out and "published" in out


@pytest.mark.skipif(find_spec("xiezuo.registry.demo") is None, reason="registry demo not available")
def test_demo_2013_reproduces_the_book_and_2020_has_nobody_below_the_line(db, settings, tmp_path):
    from xiezuo.geo import demo as geo_demo
    from xiezuo.policy import demo as policy_demo
    from xiezuo.policy.selectors import policy_for
    from xiezuo.registry import demo as registry_demo

    settings.DATA_DIR = tmp_path
    quiet = lambda _m: None  # noqa: E731
    geo_demo.build(scale=0.01, seed=2013, log=quiet)
    registry_demo.build(scale=0.01, seed=2013, log=quiet)
    policy_demo.build(log=quiet)
    r2013 = services.run_execute(year=2013, policy=policy_for(year=2013))
    city = DivisionResult.objects.get(run=r2013, division_id="510800000000")
    # the book (协调发展道路, ch. 1): 14.6 % in Guangyuan; 青川 16.2, 剑阁 16.3, 旺苍 15.6
    assert round(100 * city.incidence, 1) == 14.6
    counties = {d.division_id[:6]: round(100 * d.incidence, 1)
                for d in DivisionResult.objects.filter(run=r2013, level="county")}
    assert (counties["510822"], counties["510823"], counties["510821"]) == (16.2, 16.3, 15.6)
    r2020 = services.run_execute(year=2020, policy=policy_for(year=2020))
    assert not HouseholdResult.objects.filter(run=r2020, below_line=True).exists()
    assert DivisionResult.objects.get(run=r2020, division_id="510800000000").fgt0 == 0


def test_a_result_whose_household_is_gone_fails_the_run(registry_2021, monkeypatch):
    # given a household that disappears between the read and the write (the results table has no per-row
    # foreign-key checks; the run checks its rows in bulk)
    import pyarrow as pa
    from django.core.exceptions import ValidationError

    real = services._insert_households

    def gone(cur, table, run_id, hh, **kw):
        ids = pa.array([999_999_999, *hh.column("household_id").to_pylist()[1:]], pa.int64())
        return real(cur, table, run_id, hh.set_column(hh.schema.get_field_index("household_id"), "household_id", ids), **kw)

    monkeypatch.setattr(services, "_insert_households", gone)
    with pytest.raises(ValidationError):
        _run(publish=True)
    failed = Run.objects.latest("id")
    assert failed.status == "failed" and "999999999" in failed.message and not failed.published
    assert not HouseholdResult.objects.filter(run=failed).exists()


def test_deleting_a_household_deletes_its_results(registry_2021):
    run = _run()
    a = registry_2021["a"]
    assert HouseholdResult.objects.filter(run=run, household_id=a.pk).exists()
    a.delete()
    assert not HouseholdResult.objects.filter(household_id=a.pk).exists()
    assert HouseholdResult.objects.filter(run=run).count() == 3


def test_the_registry_is_read_in_batches_to_the_same_arrow_tables(registry_2021):
    # given the engine's input queries on the test database (read with Django's own SQLite library, never ADBC's)
    from xiezuo.measure import inputs
    from xiezuo.measure.engine.run import INPUT_SCHEMAS

    tables, how = inputs.read_inputs(2021)
    assert how == "cursor" and tables["members"].num_rows == 5 and tables["households"].num_rows == 4
    # when each is read two rows at a time, then the tables are the same
    for name, (sql, params) in inputs.queries(2021).items():
        small = inputs.conform(name, inputs._via_cursor(sql, params, INPUT_SCHEMAS[name], batch=2))
        assert small.equals(tables[name]), name


def test_a_run_deleted_while_it_ran_fails_without_leaving_rows(registry_2021, monkeypatch):
    # given a run whose row is deleted while it evaluates (result rows have no foreign-key constraint to the run:
    # the write locks the run's row instead, and finds it gone)
    from django.core.exceptions import ValidationError

    real = services.evaluate

    def deleted(**kw):
        Run.objects.filter(status=Run.Status.RUNNING).delete()
        return real(**kw)

    monkeypatch.setattr(services, "evaluate", deleted)
    with translation.override("en"), pytest.raises(ValidationError, match="deleted while it ran"):
        _run(publish=True)
    # then nothing of it is left: no result rows without their run, no frozen inputs
    assert not Run.objects.exists()
    assert not HouseholdResult.objects.exists()
    assert not services.runs_dir().exists() or not any(services.runs_dir().iterdir())


def test_a_snapshot_failing_beside_the_write_fails_the_run(registry_2021, monkeypatch):
    # given the snapshot of a published run, written in a thread while the results are written, failing midway
    real = services._snapshot_partial

    def half(run, inputs, policy, digest, **kw):
        real(run, inputs, policy, digest, **kw)
        raise OSError("disk full")

    monkeypatch.setattr(services, "_snapshot_partial", half)
    with pytest.raises(OSError, match="disk full"):
        _run(publish=True)
    # then the run failed, wrote nothing, and its partial folder is gone
    failed = Run.objects.get()
    assert failed.status == "failed" and "disk full" in failed.message and not failed.published
    assert not HouseholdResult.objects.filter(run=failed).exists()
    assert not any(services.runs_dir().iterdir())
    # and a run after it succeeds with its timings per phase
    monkeypatch.undo()
    run = _run(publish=True)
    assert run.status == "succeeded" and (services.runs_dir() / str(run.pk) / "manifest.json").is_file()
    assert {"hash_beside", "snapshot_beside", "write_households", "check_references"} <= set(run.timings)


def test_a_result_whose_village_is_gone_fails_the_run(registry_2021, monkeypatch):
    # given a village code that is no longer in the division tree when the results are written
    import pyarrow as pa
    from django.core.exceptions import ValidationError

    real = services._insert_households

    def gone(cur, table, run_id, hh, **kw):
        codes = pa.array(["510899999999", *hh.column("village").to_pylist()[1:]], pa.string())
        return real(cur, table, run_id, hh.set_column(hh.schema.get_field_index("village"), "village", codes), **kw)

    monkeypatch.setattr(services, "_insert_households", gone)
    with pytest.raises(ValidationError):
        _run()
    # then the run failed naming it, and wrote nothing
    failed = Run.objects.latest("id")
    assert failed.status == "failed" and "510899999999" in failed.message
    assert not HouseholdResult.objects.filter(run=failed).exists()
