"""Where the apps plug into the shared commands, without a central file to edit.

- `xiezuo demo` calls `xiezuo.<app>.demo.build(scale=..., seed=..., log=...)` for each app
  in DEMO_ORDER that has a `demo` module.
- `xiezuo report figures` merges `xiezuo.<app>.figures.book_figures(year=...)` dicts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from types import ModuleType

DEMO_ORDER = (
    "geo", "registry", "accounts", "policy", "measure", "cooperation", "projects", "labor",
    "consumption", "talent", "monitoring", "assessment",
)


def app_modules(submodule: str, order: tuple[str, ...] = DEMO_ORDER) -> Iterator[tuple[str, ModuleType]]:
    for app in order:
        name = f"xiezuo.{app}.{submodule}"
        if find_spec(f"xiezuo.{app}") and find_spec(name):
            yield app, importlib.import_module(name)


def book_figures(*, year: int) -> dict:
    figures: dict = {}
    for _app, module in app_modules("figures"):
        fn: Callable[..., dict] | None = getattr(module, "book_figures", None)
        if fn:
            figures.update(fn(year=year))
    return figures
