"""The production settings pass `xiezuo check --deploy`, and the service files in deploy/ start commands
that exist, with the settings the guide (docs/deployment.md) lists."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _production_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XIEZUO_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))}
    env.update(PYTHONPATH=SRC, XIEZUO_DATA_DIR=str(tmp_path), XIEZUO_HTTPS="1",
               XIEZUO_SECRET_KEY=secrets.token_urlsafe(50), XIEZUO_ALLOWED_HOSTS="xiezuo.example.gov.cn",
               XIEZUO_CSRF_TRUSTED_ORIGINS="https://xiezuo.example.gov.cn")
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = subprocess.run([sys.executable, "-m", "xiezuo.cli", "check", "--deploy", "--fail-level", "WARNING"],
                          env=_production_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
    # and the development defaults are what it warns about (the check is real)
    dev = _production_env(tmp_path)
    del dev["XIEZUO_HTTPS"]
    warned = subprocess.run([sys.executable, "-m", "xiezuo.cli", "check", "--deploy", "--fail-level", "WARNING"],
                            env=dev, capture_output=True, text=True, timeout=300)
    assert warned.returncode != 0 and "SESSION_COOKIE_SECURE" in warned.stderr


def test_the_service_files_run_existing_commands_with_the_documented_settings():
    from django.core.management import get_commands

    commands = get_commands()
    units = sorted(DEPLOY.glob("*.service"))
    assert {u.name for u in units} >= {"xiezuo-web.service", "xiezuo-worker@.service", "xiezuo-backup.service"}
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/xiezuo/xiezuo.env" in text and "User=xiezuo" in text
        command = re.search(r"/bin/xiezuo (\w+)", text)[1]
        assert command in commands, (unit.name, command)
    assert "serve --no-worker" in (DEPLOY / "xiezuo-web.service").read_text()
    documented = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    for name in re.findall(r"^(\w+)=", (DEPLOY / "xiezuo.env.example").read_text(), re.M):
        assert name in documented, name
