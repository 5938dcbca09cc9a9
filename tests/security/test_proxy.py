"""Behind a TLS-terminating reverse proxy: the real server (waitress, as `xiezuo serve` starts it) must believe
the proxy's X-Forwarded-Proto, or every https request is redirected to https again (a loop) and HSTS is never
sent; without XIEZUO_PROXY a client's own X-Forwarded-Proto must not be believed."""

from __future__ import annotations

import http.client
from contextlib import contextmanager

import pytest
from django.test import override_settings

from xiezuo.settings import https_settings
from xiezuo.web.management.commands.serve import waitress_options

from .live import waitress_serving


@contextmanager
def served(env: dict):
    with override_settings(**https_settings(env)), waitress_serving(**waitress_options(env)) as port:
        yield port


def get(port: int, path: str, headers: dict) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "xiezuo.example.org"]


def test_https_behind_proxy_is_served_with_hsts_not_redirected_again():
    with served({"XIEZUO_HTTPS": "1", "XIEZUO_PROXY": "1"}) as port:
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "xiezuo.example.org",
                   "X-Forwarded-For": "203.0.113.7"}
        response = get(port, "/accounts/login/", proxied)
        assert response.status == 200, (response.status, response.getheader("Location"))
        assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
        # plain http reaching the proxy is sent to https on the public host
        response = get(port, "/accounts/login/", {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "xiezuo.example.org",
                                                  "X-Forwarded-For": "203.0.113.7"})
        assert response.status == 301
        assert response.getheader("Location") == "https://xiezuo.example.org/accounts/login/"


def test_without_proxy_setting_a_client_cannot_claim_https():
    with served({"XIEZUO_HTTPS": "1"}) as port:
        response = get(port, "/accounts/login/", {"X-Forwarded-Proto": "https"})
        assert response.status == 301
        assert response.getheader("Strict-Transport-Security") is None
