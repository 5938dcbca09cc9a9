"""Writes of policy versions: create and edit drafts, publish, copy for a what-if, load the shipped set."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import audit
from xiezuo.accounts.access import ensure_within
from xiezuo.geo.models import Division
from xiezuo.measure.engine.spec import validate

from . import seed
from .models import PolicyVersion


def _check(parameters: dict) -> None:
    errors = validate(parameters)
    if errors:
        raise ValidationError([ValidationError(e) for e in errors])


def _ensure_editable(policy: PolicyVersion) -> None:
    if policy.frozen:
        raise ValidationError(_("Policy %(name)s was used by a published run and can no longer be changed; "
                                "copy it to a new draft instead."), params={"name": policy.name})
    if policy.status == PolicyVersion.Status.PUBLISHED:
        raise ValidationError(_("Policy %(name)s is published; copy it to a new draft to change it."),
                              params={"name": policy.name})


@transaction.atomic
def policy_create(*, name: str, province: Division, year: int, parameters: dict, user, notes: str = "",
                  based_on: PolicyVersion | None = None, check_scope: bool = True) -> PolicyVersion:
    """A new draft version, validated (`check_scope=False` for what-if drafts, which decide nothing)."""
    if user is not None and check_scope:
        ensure_within(user, province.code)
    _check(parameters)
    policy = PolicyVersion(name=name, province=province, year=year, parameters=parameters, notes=notes,
                           based_on=based_on)
    policy.full_clean()
    policy.save()
    audit.record(action="policy.version.created", user=user, target=policy, after=audit.snapshot(policy))
    return policy


@transaction.atomic
def policy_update(*, policy: PolicyVersion, user, parameters: dict | None = None, notes: str | None = None
                  ) -> PolicyVersion:
    """Change a draft; refused for published or frozen versions."""
    policy = PolicyVersion.objects.select_for_update().get(pk=policy.pk)
    if user is not None:
        ensure_within(user, policy.province_id)
    _ensure_editable(policy)
    before = audit.snapshot(policy)
    if parameters is not None:
        _check(parameters)
        policy.parameters = parameters
    if notes is not None:
        policy.notes = notes
    policy.full_clean()
    policy.save()
    audit.record(action="policy.version.updated", user=user, target=policy, before=before,
                 after=audit.snapshot(policy))
    return policy


@transaction.atomic
def policy_publish(*, policy: PolicyVersion, user) -> PolicyVersion:
    policy = PolicyVersion.objects.select_for_update().get(pk=policy.pk)
    if user is not None:
        ensure_within(user, policy.province_id)
    _check(policy.parameters)
    before = audit.snapshot(policy)
    policy.status = PolicyVersion.Status.PUBLISHED
    policy.save(update_fields=["status", "updated_at"])
    audit.record(action="policy.version.published", user=user, target=policy, before=before,
                 after=audit.snapshot(policy))
    return policy


def _set(parameters: dict, path: str, value: Any) -> None:
    node = parameters
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


@transaction.atomic
def policy_copy(*, policy: PolicyVersion, name: str, user, changes: dict[str, Any] | None = None,
                check_scope: bool = True) -> PolicyVersion:
    """A draft copy of `policy` with `changes` applied (dotted paths: {"monitoring_threshold": "7800",
    "mpi.k": 0.25}), e.g. for a what-if run."""
    parameters = deepcopy(policy.parameters)
    for path, value in (changes or {}).items():
        _set(parameters, path, value)
    return policy_create(name=name, province=policy.province, year=policy.year, parameters=parameters, user=user,
                         notes=_("Copy of %(name)s") % {"name": policy.name}, based_on=policy,
                         check_scope=check_scope)


@transaction.atomic
def load_shipped(*, user=None, years=range(2013, 2027)) -> int:
    """Create or refresh the shipped published versions (frozen ones are left as they are).

    The shipped lines are national; a version still belongs to a province, and that is the deployment's
    western province (the first by code when it serves several): its division tree says which."""
    province = (Division.objects.filter(level="province", side=Division.Side.WEST).order_by("code").first()
                or Division.objects.filter(level="province").order_by("code").first())
    if province is None:
        return 0
    existing = {p.name: p for p in PolicyVersion.objects.filter(shipped=True)}
    count = 0
    for item in seed.shipped(years):
        _check(item["parameters"])
        policy = existing.get(item["name"])
        if policy is None:
            policy = PolicyVersion.objects.create(name=item["name"], province=province, year=item["year"],
                                                  parameters=item["parameters"], shipped=True,
                                                  status=PolicyVersion.Status.PUBLISHED)
        elif not policy.frozen and policy.parameters != item["parameters"]:
            policy.parameters = item["parameters"]
            policy.save(update_fields=["parameters", "updated_at"])
        else:
            continue
        count += 1
    if count:
        audit.record(action="policy.version.loaded", user=user, data={"versions": count},
                     division_code=province.code)
    return count
