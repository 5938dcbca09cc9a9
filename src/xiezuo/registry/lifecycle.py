"""A household's lifecycle as a state machine (pure; no Django imports), like the monitoring
cases' (monitoring/workflow.py). The service, the API and the import all ask `allowed`.

identified → assisted → exited; an exited household may return to poverty (assisted again)
or, since 2021, become a monitored household whose risk is later eliminated, and monitored
again on a new risk. Any household found wrongly registered is removed (错评剔除), which ends
its lifecycle. A marginal household is monitored straight from identification.
"""

from __future__ import annotations

IDENTIFIED = "identified"
ASSISTED = "assisted"
EXITED = "exited"
MONITORED = "monitored"
RISK_ELIMINATED = "risk_eliminated"
REMOVED = "removed"

STATUSES = (IDENTIFIED, ASSISTED, EXITED, MONITORED, RISK_ELIMINATED, REMOVED)
TERMINAL = frozenset({REMOVED})

# status -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    IDENTIFIED: (ASSISTED, MONITORED, REMOVED),
    ASSISTED: (EXITED, MONITORED, REMOVED),
    EXITED: (ASSISTED, MONITORED, REMOVED),  # returned to poverty; unstable after exit
    MONITORED: (RISK_ELIMINATED, REMOVED),
    RISK_ELIMINATED: (MONITORED, REMOVED),  # a new risk
    REMOVED: (),
}


class IllegalTransition(ValueError):
    """A move the lifecycle does not allow; `code` is stable, the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def next_statuses(status: str) -> tuple[str, ...]:
    if status not in TRANSITIONS:
        raise IllegalTransition("unknown_status", f"Unknown household status {status!r}.")
    return TRANSITIONS[status]


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, ())


def check(from_status: str, to_status: str) -> None:
    if to_status not in TRANSITIONS:
        raise IllegalTransition("unknown_status", f"Unknown household status {to_status!r}.")
    if from_status == to_status:
        raise IllegalTransition("same_status", f"The household is already {to_status}.")
    if not allowed(from_status, to_status):
        raise IllegalTransition("not_allowed", f"A household cannot move from {from_status} to {to_status}.")
