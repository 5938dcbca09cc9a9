"""Run the test suite on SQLite, then on PostgreSQL when XIEZUO_TEST_DATABASE_URL is set.

Extra arguments go to pytest. Exits non-zero if any run fails.
"""

from __future__ import annotations

import os
import subprocess
import sys


def run(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def checks(env: dict[str, str]) -> int:
    """Cheap checks first: lint, and no model change without its migration."""
    print("=== ruff and migrations check ===", flush=True)
    code = subprocess.call([sys.executable, "-m", "ruff", "check", "src", "tests", "bench", "tools"])
    return subprocess.call([sys.executable, "-m", "xiezuo.cli", "makemigrations", "--check", "--dry-run"],
                           env=env) or code


def main() -> int:
    args = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k != "XIEZUO_TEST_DATABASE_URL"}
    code = checks(base)
    code = run("SQLite", base, args) or code
    pg = os.environ.get("XIEZUO_TEST_DATABASE_URL")
    if pg:
        # The whole suite again, against a real PostgreSQL server.
        code = run("PostgreSQL", {**base, "XIEZUO_TEST_DATABASE_URL": pg}, [*args, "-m", "not spark and not browser"]) or code
    return code


if __name__ == "__main__":
    sys.exit(main())
