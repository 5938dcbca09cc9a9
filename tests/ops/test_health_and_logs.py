"""/healthz, and the JSON log lines: the request's or job's user and scope, never a clear identity number."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.urls import reverse

from xiezuo.accounts import logs
from xiezuo.dataio import jobs
from xiezuo.dataio.models import Worker

pytestmark = pytest.mark.django_db

ID = "510802199001011236"


@jobs.register("test.leaky")
def _leaky(handle, params):
    logging.getLogger("xiezuo.test").warning("checking %s", params["id"])
    raise ValueError(f"no member with identity number {params['id']}")


@pytest.fixture
def log_lines():
    """The settings' console handler, pointed at a buffer; yields a reader of the JSON lines."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h.formatter, logs.JsonFormatter))
    buffer, old, level = io.StringIO(), handler.stream, root.level
    handler.setStream(buffer)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(old)
    root.setLevel(level)


def test_healthz_says_ok_only_with_a_live_worker_and_nothing_more(client):
    degraded = client.get("/healthz")
    assert degraded.status_code == 200
    assert degraded.json() == {"status": "degraded", "database": "ok", "worker": "down"}
    Worker.objects.create(name="here", runner=jobs.process_identity())
    Worker.objects.create(name="dead", runner="elsewhere:1:1")  # another host, heartbeat long gone
    Worker.objects.filter(name="dead").update(seen_at="2020-01-01T00:00Z")
    ok = client.get(reverse("healthz"))
    assert ok.status_code == 200 and ok.json() == {"status": "ok", "database": "ok", "worker": "ok"}
    assert ok["Cache-Control"].startswith("max-age=0")


def test_a_request_logs_one_json_line_with_user_and_scope_and_a_masked_number(client, make_user, divisions,
                                                                              log_lines):
    clerk = make_user("clerk", division=divisions["lizhou"])
    client.force_login(clerk)
    client.get(f"/registry/members/{ID}/")
    line = next(x for x in log_lines() if x["logger"] == "xiezuo.request")
    assert line["user"] == "clerk" and line["scope"] == "510802" and line["status"] == 404
    assert line["request_id"] and line["source"] == "web"
    assert ID not in json.dumps(line) and line["path"] == "/registry/members/**************1236/"


def test_a_failing_job_logs_its_user_and_never_the_clear_number(make_user, log_lines):
    admin = make_user("admin", role="admin")
    job = jobs.run(jobs.submit("test.leaky", params={"id": ID}, user=admin))
    assert job.status == "failed"
    lines = [x for x in log_lines() if x.get("job") == job.pk]
    assert {x["message"] for x in lines} >= {"checking **************1236", f"job {job.pk} failed"}
    failed = next(x for x in lines if x["message"] == f"job {job.pk} failed")
    assert failed["user"] == "admin" and failed["scope"] == "*" and "ValueError" in failed["exception"]
    assert ID not in json.dumps(lines) and "**************1236" in failed["exception"]


def test_the_mask_leaves_other_numbers_alone():
    assert logs.mask_identity_numbers(f"a {ID} b 51080219900101123X c") == \
        "a **************1236 b **************123X c"
    assert logs.mask_identity_numbers("5108221990010112361 and 12345") == "5108221990010112361 and 12345"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def fail(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", fail)
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json() == {"status": "down", "database": "down", "worker": "down"}
