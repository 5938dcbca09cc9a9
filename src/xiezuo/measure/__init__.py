"""Measurement: runs and results around the pure engine `xiezuo.measure.engine`.

`fgt` and `alkire_foster` are exported lazily so that `import xiezuo.measure` needs neither
Django nor its settings (the Django app config lives in `xiezuo.measure.apps`).
"""

from __future__ import annotations

__all__ = ["alkire_foster", "fgt"]


def __getattr__(name: str):
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
