"""Leftovers, attacked as in the finding: a measurement run whose process is killed stayed "running" for ever and
left its half-written snapshot folder on disk; `xiezuo demo` reset the admin password to "demo" on any database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.urls import reverse

from xiezuo.measure import services
from xiezuo.measure.models import Run
from xiezuo.policy import services as policy_services
from xiezuo.policy.models import PolicyVersion


@pytest.fixture
def policy_2021(divisions, make_household, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    policy_services.load_shipped(years=[2021])
    make_household(divisions["lizhou_village"], year=2021, income=Decimal("5000"))
    return PolicyVersion.objects.get(name="national-2021")


def killed_worker() -> str:
    """The worker id of a real process, killed (SIGKILL: no handler runs) and reaped."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker = services.worker_id(child.pid)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return worker


def test_a_killed_run_is_marked_failed_and_its_half_written_folder_removed(policy_2021, client, make_user):
    dead = killed_worker()
    killed = Run.objects.create(policy=policy_2021, year=2021, worker=dead)
    runs = services.runs_dir()
    half = runs / f"{killed.pk}{services.PARTIAL}{dead}"
    half.mkdir(parents=True)
    (half / "households.parquet").write_bytes(b"PAR1 half")
    renamed = runs / str(killed.pk)  # killed after the rename, before the commit
    renamed.mkdir()
    alive = Run.objects.create(policy=policy_2021, year=2021, worker=services.worker_id())  # this process: running
    writing = runs / f"{alive.pk}{services.PARTIAL}{services.worker_id()}"
    writing.mkdir()

    client.force_login(make_user("auditor", role="auditor"))
    assert client.get(reverse("measure:run_list")).status_code == 200
    killed.refresh_from_db()
    alive.refresh_from_db()
    assert killed.status == "failed" and "stopped" in killed.message and killed.finished_at
    assert alive.status == "running"
    assert not half.exists() and not renamed.exists()
    assert writing.exists()


def test_a_run_failing_while_it_freezes_its_inputs_leaves_no_folder(policy_2021, monkeypatch):
    from xiezuo.measure import snapshot

    written = []

    def write_then_fail(root, tables, **kw):
        real(root, tables, **kw)
        written.append(root)
        raise KeyboardInterrupt  # Ctrl-C once the snapshot's files are on disk, before the commit

    real = snapshot.write_tables
    monkeypatch.setattr(snapshot, "write_tables", write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        services.run_execute(year=2021, policy=policy_2021, publish=True)
    run = Run.objects.get()
    assert run.status == "failed" and not run.published
    assert written and list(services.runs_dir().iterdir()) == []


def test_monitor_recover_command(policy_2021, capsys):
    Run.objects.create(policy=policy_2021, year=2021, worker=killed_worker())
    call_command("monitor", "recover")
    assert "1 interrupted run(s) marked failed" in capsys.readouterr().out
    assert Run.objects.get().status == "failed"


def test_demo_refuses_a_database_it_did_not_build(make_user, make_household, divisions):
    admin = make_user("admin", role="admin", is_superuser=True)
    admin.set_password("a-real-admin-password")
    admin.save()
    make_household(divisions["lizhou_village"])
    with pytest.raises(CommandError, match="not built by `xiezuo demo`"):
        call_command("demo", "--no-serve", "--scale", "0.01")
    assert authenticate(username="admin", password="a-real-admin-password") is not None
    assert authenticate(username="admin", password="demo") is None


def test_demo_marks_the_empty_database_it_builds_and_may_rebuild_it(db, monkeypatch):
    from types import SimpleNamespace

    from xiezuo.accounts.models import User
    from xiezuo.web.management.commands import demo as command
    from xiezuo.web.models import DatabaseMark

    built = []
    monkeypatch.setattr(command, "app_modules", lambda _kind: [("stub", SimpleNamespace(build=lambda **kw: built.append(1)))])
    call_command("demo", "--no-serve")
    assert DatabaseMark.objects.filter(name="demo").exists() and built == [1]
    User.objects.create_user(username="someone", password="pw-for-tests-only")  # data added to the demo: still its own database
    call_command("demo", "--no-serve")
    assert built == [1, 1]
