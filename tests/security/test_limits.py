"""Resource limits, attacked the way the finding did: a 150 MB upload, a 50,000-level nested JSON body, a
12 MB JSON body, and downloads that left their files in /tmp."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from xiezuo.web.management.commands.serve import waitress_options

from .live import waitress_serving

MB = 1024 * 1024


def uploads() -> list[Path]:
    folder = Path(django_settings.DATA_DIR) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_150_mb_upload_is_refused_while_it_arrives(settings):
    """The real server answers from the headers: the client has sent none of its 150 MB when the 413 comes."""
    settings.UPLOAD_MAX_BYTES = 50 * MB
    before = uploads()
    with waitress_serving(**waitress_options({})) as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        boundary = "xz"
        sock.sendall((f"POST /dataio/upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {150 * MB}\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n").encode())
        # only the part's head, no megabyte of body: the answer must come from the headers alone, and a body
        # still in flight when the server closes makes the kernel reset the connection before we read (flaky)
        sock.sendall(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n'.encode())
        answer = sock.recv(65536).decode("latin-1")
        sock.close()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert uploads() == before


@pytest.mark.django_db
def test_an_upload_over_the_limit_is_refused_with_a_clear_message_before_it_is_read(client, make_user, divisions,
                                                                                    settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    client.force_login(make_user("clerk", division=divisions["lizhou"]))
    before = uploads()
    body = b"x" * 100  # the claimed length decides; nothing of the body is read
    response = client.generic("POST", reverse("dataio:upload"), body, content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(3 * MB), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.content.decode() == "The file is 3 MB; the limit is 1 MB."
    assert uploads() == before


@pytest.mark.django_db
def test_hostile_json_bodies_answer_400_and_413_not_500(client, make_user, divisions):
    client.force_login(make_user("clerk", division=divisions["lizhou"]))
    url = "/api/registry/members/"
    nested = client.post(url, "[" * 50_000 + "]" * 50_000, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert nested.status_code == 400
    assert "nested too deeply" in nested.json()["detail"]
    big = client.post(url, '{"name": "' + "a" * (12 * MB) + '"}', content_type="application/json",
                      HTTP_ACCEPT_LANGUAGE="en")
    assert big.status_code == 413
    assert big.json() == {"detail": "The request body is 12 MB; the limit is 10 MB.", "code": "too_large"}


@pytest.mark.django_db
def test_downloads_leave_no_file_behind(client, admin_user, divisions, make_household, monkeypatch, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    make_household(divisions["lizhou_village"])
    client.force_login(admin_user)
    for url, params in ((reverse("dataio:template", args=["members"]), {}),
                        (reverse("dataio:export"), {"entity": "households", "format": "xlsx"})):
        response = client.get(url, params)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)[:2] == b"PK"  # read to the end: the client closes it
        assert list(scratch.iterdir()) == [], url
