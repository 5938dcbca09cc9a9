"""Run the test suite on SQLite, then on PostgreSQL when XIEZUO_TEST_DATABASE_URL is set.

Extra arguments go to pytest. Exits non-zero if any run fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def checks(env: dict[str, str]) -> int:
    """Cheap checks first: lint, the layer contracts (import-linter, in pyproject.toml), and no model
    change without its migration."""
    print("=== ruff, import contracts and migrations check ===", flush=True)
    code = subprocess.call([sys.executable, "-m", "ruff", "check", "src", "tests", "bench", "tools"])
    src = str(Path(__file__).resolve().parents[1] / "src")
    lint_env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [src, env.get("PYTHONPATH", "")]))}
    code = subprocess.call([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], env=lint_env) or code
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
