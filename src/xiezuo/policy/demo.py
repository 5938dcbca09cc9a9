"""Policy part of `xiezuo demo`: load the shipped versions (national lines and thresholds 2013-2026)."""

from __future__ import annotations

from collections.abc import Callable


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: object = None) -> dict:  # noqa: ARG001 (the same for every region)
    from .services import load_shipped

    count = load_shipped()
    log(f"policy: {count} shipped policy versions loaded or refreshed")
    return {"policy_versions": count}
