"""The pure measurement engine: no Django, no I/O in the rules.

- `fgt` and `alkire_foster`: the formulas, on any Arrow / pandas / polars table or plain sequences.
- `Spec`: a policy as plain data (poverty line, exit criteria, monitoring categories, MPI), validated.
- `evaluate`: household statuses with reasons and aggregates for every division, from Arrow
  tables; the rules are SQL generated from the spec, run by DuckDB (default) or Spark.
"""

from .formulas import AFResult, alkire_foster, fgt
from .spec import FIELDS, Spec, SpecError, validate

__all__ = ["AFResult", "FIELDS", "Spec", "SpecError", "alkire_foster", "evaluate", "fgt", "validate"]


def evaluate(*args, **kwargs):
    from .run import evaluate as _evaluate

    return _evaluate(*args, **kwargs)
