"""Reads for consumption assistance, always through the scope layer."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from .models import Buyer, Product, Sale, Supplier


def supplier_list(*, user, county: str | None = None) -> QuerySet[Supplier]:
    qs = Supplier.objects.restrict(user, "view").select_related("county")
    return qs.filter(county__code__startswith=county[:6]) if county else qs


def product_list(*, user, county: str | None = None) -> QuerySet[Product]:
    qs = Product.objects.restrict(user, "view").select_related("supplier")
    return qs.filter(supplier__county__code__startswith=county[:6]) if county else qs


def buyer_list(*, user) -> QuerySet[Buyer]:
    return Buyer.objects.select_related("division")


def sale_list(*, user, year: int | None = None, county: str | None = None,
              channel: str | None = None) -> QuerySet[Sale]:
    qs = Sale.objects.restrict(user, "view").select_related("product", "buyer", "county")
    if year:
        qs = qs.filter(date__year=year)
    if county:
        qs = qs.filter(county__code__startswith=county[:6])
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def sales_total(qs: QuerySet[Sale]) -> Decimal:
    return qs.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def sales_by_county_channel(*, user, year: int | None = None) -> list[dict]:
    qs = sale_list(user=user, year=year)
    return list(qs.values("county_id", "channel").annotate(amount=Sum("amount")).order_by("county_id", "channel"))
