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
    "consumption", "talent", "monitoring", "field", "assessment",
)


def app_modules(submodule: str, order: tuple[str, ...] = DEMO_ORDER) -> Iterator[tuple[str, ModuleType]]:
    for app in order:
        name = f"xiezuo.{app}.{submodule}"
        if find_spec(f"xiezuo.{app}") and find_spec(name):
            yield app, importlib.import_module(name)


def figure_prefixes(prefixes: tuple[str, ...] | list[str] | None) -> list[str]:
    """The division prefixes book figures are computed for: those given (a viewer's region), else
    the installation's own region, from the division tree (`accounts.region.data_region`)."""
    if prefixes is not None:
        return list(prefixes)
    from xiezuo.accounts.region import data_region

    return [d.prefix for d in data_region()]


def book_figures(*, year: int, prefixes: tuple[str, ...] | list[str] | None = None) -> dict:
    """Each app's `book_figures(year=, prefixes=)` merged, for the divisions under `prefixes`."""
    figures: dict = {}
    chosen = figure_prefixes(prefixes)
    for _app, module in app_modules("figures"):
        fn: Callable[..., dict] | None = getattr(module, "book_figures", None)
        if fn:
            figures.update(fn(year=year, prefixes=chosen))
    return figures
