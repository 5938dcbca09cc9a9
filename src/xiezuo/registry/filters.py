"""The household list's filters: parsed once from GET, applied to a scoped queryset."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xiezuo.accounts import crypto

from .choices import HouseholdAttribute, HouseholdStatus

MASKED = re.compile(r"^(\d{4})?\**(\d{3}[\dXx])$")


@dataclass(frozen=True)
class HouseholdFilter:
    q: str = ""
    division: str = ""  # 12-digit code of a county, township or village
    status: str = ""
    attribute: str = ""

    @classmethod
    def from_query(cls, params) -> HouseholdFilter:
        division = params.get("division", "").strip()
        status = params.get("status", "")
        attribute = params.get("attribute", "")
        return cls(
            q=params.get("q", "").strip()[:50],
            division=division if division.isdigit() and len(division) == 12 else "",
            status=status if status in HouseholdStatus.values else "",
            attribute=attribute if attribute in HouseholdAttribute.values else "",
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.division:
            from xiezuo.geo.models import code_prefix
            from xiezuo.geo.selectors import level_of_code

            qs = qs.filter(village__code__startswith=code_prefix(self.division, level_of_code(self.division)))
        if self.status:
            qs = qs.filter(status=self.status)
        if self.attribute:
            qs = qs.filter(attribute=self.attribute)
        if self.q:
            qs = qs.filter(self._search_q(self.q)).distinct()
        return qs

    @staticmethod
    def _search_q(term: str) -> Q:
        """A full identity number is looked up by its keyed hash; a masked one (or its last
        four characters) by the stored mask; anything else by name, number or village."""
        compact = term.replace(" ", "").upper()
        if len(compact) in (15, 18) and compact[:-1].isdigit():
            from .identity import InvalidIdNumber, check_id_number

            with contextlib.suppress(InvalidIdNumber):  # search with the number as typed
                compact = check_id_number(compact).number
            return Q(members__id_number_hash=crypto.lookup_hash(compact))
        match = MASKED.match(compact)
        if match and ("*" in compact or len(compact) == 4):
            # masks keep the last 4 only; leading digits typed from an older mask are ignored
            return Q(members__id_number_masked__endswith=match.group(2))
        return (Q(head_name__contains=term) | Q(number__contains=term) | Q(members__name__contains=term)
                | Q(village__name__contains=term))
