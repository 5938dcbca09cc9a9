"""The one place that decides who may see and change which records.

Every scoped model declares `scope_field`, the path from it to a division code
(`"village__code"` for a household, `"household__village__code"` for a member), and uses
`RestrictedQuerySet`, so pages, exports, reports, the admin and the API all call
`Model.objects.restrict(user, action)`. Rules:

- fail closed: no grant means no rows;
- a grant on a division covers it and everything below it (a code-prefix test);
- "view" is covered by view and edit grants, "change" only by edit grants;
- administrators see and change everything; auditors see everything, change nothing;
- models marked `personal_data = True` (households, members, cases) are never shown to
  an eastern cooperation office, which sees the records of the western divisions paired
  with its own division instead: a model declaring `scope_date_field` (a date) or
  `scope_year_field` (a year) by the pairing in force at the record's date, any other by
  the pairings in force today. The pairings come from a provider a domain app registers
  (`register_partner_periods`; the cooperation app does in its AppConfig.ready), so this
  layer imports no domain app. Figures *counted* over personal rows are not personal data,
  so `restrict_figures` counts them in the view scope without the personal-data rule (the
  office sees its partners' 83 monitored households as a number, never the rows);
- an out-of-scope record answers 404, the same as a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

Action = Literal["view", "change"]
EVERYTHING = None  # prefixes value meaning "no restriction"


def _role(user) -> str:
    return getattr(user, "role", "")


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or _role(user) == "admin")


def may_use_admin(request) -> bool:
    """The Django admin: active staff administrators only (superusers or the admin role).

    The admin saves models directly, past the services' scope checks and business rules, so
    scoped users (county, township, village staff, eastern offices, auditors, leaders) never
    use it, whatever model permissions they hold."""
    user = request.user
    return bool(user.is_active and user.is_staff and is_admin(user))


def can_see_personal_data(user) -> bool:
    """Households and members as rows, not only aggregates."""
    return bool(user and user.is_authenticated and user.is_active and _role(user) not in ("east_office",))


def can_unmask(user) -> bool:
    """May reveal one identity number at a time, with a reason (audited)."""
    if not can_see_personal_data(user):
        return False
    return is_admin(user) or _role(user) in ("county_staff", "city_staff", "auditor")


def can_bulk_unmask(user) -> bool:
    """May export a whole list with identity numbers, phones and bank accounts in clear: a
    permission of its own (`accounts.bulk_unmask`, granted per user or group), on top of
    `can_unmask`; the export also needs a POST, a reason and stays under a rate limit
    (`dataio.services.unmask_authorise`)."""
    if not can_unmask(user):
        return False
    return bool(getattr(user, "is_superuser", False) or user.has_perm("accounts.bulk_unmask"))


def can_run_measurements(user) -> bool:
    """May start measurement and what-if runs: they read the whole registry and write a policy version, a run
    and a result row per household, so only administrators and city staff (who own the measurement)."""
    return bool(user and user.is_authenticated and user.is_active and (is_admin(user) or _role(user) == "city_staff"))


def can_manage_divisions(user) -> bool:
    """May import the division tree and its rural populations: the deployment's own configuration, which every
    scope, figure and incidence rests on, so administrators only."""
    return bool(user and user.is_authenticated and user.is_active and is_admin(user))


MANAGE_CADRES_PERMISSION = "field.add_cadreaccount"


def can_manage_cadre_accounts(user) -> bool:
    """May create cadres' (帮扶责任人) sign-ins and assign them households, within their edit scope: county
    or city staff holding the `field.add_cadreaccount` permission (per user or group), and administrators.
    Never township or village staff, eastern offices, auditors or leaders, whatever permissions they hold."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_admin(user):
        return True
    return _role(user) in ("county_staff", "city_staff") and user.has_perm(MANAGE_CADRES_PERMISSION)


def _grant_prefixes(user, kinds: Iterable[str]) -> list[str]:
    from xiezuo.geo.models import code_prefix

    grants = user.grants.filter(kind__in=list(kinds)).select_related("division")
    return sorted({code_prefix(g.division.code, g.division.level) for g in grants})


@dataclass(frozen=True)
class PartnerPeriod:
    """A western division (code prefix) paired with an eastern office from `start` to `end` (open if None)."""

    prefix: str
    start: dt.date
    end: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


PartnerProvider = Callable[[object], Iterable[PartnerPeriod]]
_partner_provider: PartnerProvider | None = None


def register_partner_periods(provider: PartnerProvider | None) -> None:
    """The domain app that knows pairings tells this layer an eastern office's partner periods."""
    global _partner_provider
    _partner_provider = provider


def partner_periods(user) -> list[PartnerPeriod]:
    """Every pairing of the eastern office's divisions, past, present and open-ended (merged per prefix)."""
    if _partner_provider is None:
        return []
    merged: list[PartnerPeriod] = []
    for period in sorted(set(_partner_provider(user)), key=lambda p: (p.prefix, p.start)):
        last = merged[-1] if merged else None
        if (last is not None and last.prefix == period.prefix
                and (last.end is None or period.start <= last.end + dt.timedelta(days=1))):
            end = None if last.end is None or period.end is None else max(last.end, period.end)
            merged[-1] = PartnerPeriod(last.prefix, last.start, end)
        else:
            merged.append(period)
    return merged


def _partner_prefixes(user, on: dt.date | None = None) -> list[str]:
    """Western divisions paired with an eastern office on `on` (today)."""
    from django.utils import timezone

    on = on or timezone.localdate()
    return sorted({p.prefix for p in partner_periods(user) if p.in_force(on)})


def _dated_partner_q(model, field: str, periods: list[PartnerPeriod]) -> Q:
    """Rows of the paired western divisions dated within a pairing's period."""
    date_field = getattr(model, "scope_date_field", None)
    year_field = getattr(model, "scope_year_field", None)
    q = Q(pk__in=[])
    for period in periods:
        cond = prefixes_q(field, [period.prefix])
        if date_field:
            cond &= Q(**{f"{date_field}__gte": period.start})
            if period.end is not None:
                cond &= Q(**{f"{date_field}__lte": period.end})
        else:
            cond &= Q(**{f"{year_field}__gte": period.start.year})
            if period.end is not None:
                cond &= Q(**{f"{year_field}__lte": period.end.year})
        q |= cond
    return q


def scope_prefixes(user, action: Action = "view", *, personal_data: bool = False) -> list[str] | None:
    """Division-code prefixes the user may reach; `None` means everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if is_admin(user):
        return EVERYTHING
    role = _role(user)
    if role == "auditor":
        return EVERYTHING if action == "view" else []
    if role == "east_office":
        if personal_data:
            return []
        if action == "view":
            return sorted(set(_partner_prefixes(user)) | set(_grant_prefixes(user, ("view", "edit"))))
        return _grant_prefixes(user, ("edit",))
    if role == "leader" and action != "view":
        return []
    kinds = ("view", "edit") if action == "view" else ("edit",)
    return _grant_prefixes(user, kinds)


def figure_prefixes(user) -> list[str] | None:
    """The division prefixes whose aggregates `user` may see (`None` = everything): the view
    scope without the personal-data rule; `None` user is the system context (CLI, reports)."""
    return EVERYTHING if user is None else scope_prefixes(user, "view", personal_data=False)


def prefixes_q(field: str, prefixes: list[str] | None) -> Q:
    """A filter keeping rows whose `field` (a division code) lies under one of `prefixes`."""
    if prefixes is EVERYTHING:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix}) if len(prefix) < 12 else Q(**{field: prefix})
    return q


def scope_q(model, user, action: Action = "view") -> Q:
    """The filter `restrict` applies to `model`'s rows for `user`."""
    field = getattr(model, "scope_field", None)
    if field is None:
        raise TypeError(f"{model.__name__} declares no scope_field")
    personal = getattr(model, "personal_data", False)
    dated = getattr(model, "scope_date_field", None) or getattr(model, "scope_year_field", None)
    if (dated and action == "view" and not personal and _role(user) == "east_office" and not is_admin(user)
            and user.is_authenticated and user.is_active):
        return (prefixes_q(field, _grant_prefixes(user, ("view", "edit")))
                | _dated_partner_q(model, field, partner_periods(user)))
    return prefixes_q(field, scope_prefixes(user, action, personal_data=personal))


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: Action = "view"):
        return self.filter(scope_q(self.model, user, action))

    def restrict_figures(self, user):
        """The rows a *figure* shown to `user` aggregates: the view scope, personal data counted
        (never listed: callers aggregate, and list rows through `restrict`). `None` = the system."""
        if user is None:
            return self.all()
        field = getattr(self.model, "scope_field", None)
        if field is None:
            raise TypeError(f"{self.model.__name__} declares no scope_field")
        return self.filter(prefixes_q(field, figure_prefixes(user)))


def within(user, division_code: str, action: Action = "view", *, personal_data: bool = False) -> bool:
    prefixes = scope_prefixes(user, action, personal_data=personal_data)
    if prefixes is EVERYTHING:
        return True
    return any(division_code.startswith(p) for p in prefixes)


def scope_code_of(obj) -> str:
    """The division code a record is filed under *as it stands in memory* (unsaved changes
    included), following its model's `scope_field`; "" when a link is missing."""
    value = obj
    for part in type(obj).scope_field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def ensure_within(user, division_code: str, action: Action = "change", *, personal_data: bool = False) -> None:
    """Writes re-check the scope inside the transaction."""
    if not within(user, division_code, action, personal_data=personal_data):
        raise PermissionDenied("outside your scope")


def users_within(division_code: str, action: Action = "change", *, personal_data: bool = False) -> list:
    """Active users whose scope reaches `division_code` (e.g. who may own a case in a village), by username.

    Candidates are admins and holders of a grant on the division or an ancestor; each is then checked by
    `within`, so the answer follows the same rules as every other scope decision."""
    from django.contrib.auth import get_user_model

    ancestors = {division_code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)}
    candidates = (get_user_model().objects.filter(is_active=True)
                  .filter(Q(is_superuser=True) | Q(role="admin") | Q(grants__division_id__in=ancestors))
                  .distinct().order_by("username"))
    return [u for u in candidates if within(u, division_code, action, personal_data=personal_data)]


def may(user, action: Action, obj: models.Model) -> bool:
    """Whether `user` may do `action` on this record (a page offers "Edit" only then)."""
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


def get_scoped_or_404(queryset: models.QuerySet, user, action: Action = "view", **lookup):
    """Missing and forbidden look the same."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
