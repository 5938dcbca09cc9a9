"""Writes for consumption assistance: one use case per function, one transaction, audited.

Rules: suppliers sit in a western county and carry a valid USCC when they are enterprises or
cooperatives; beneficiaries are registry households in the supplier's county; sales are exact
amounts > 0 on a known channel, recorded in the supplier's county.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit
from xiezuo.accounts.writes import apply_fields as _apply
from xiezuo.accounts.writes import save_audited as _save
from xiezuo.labor.rules import clean_uscc, division_is
from xiezuo.projects.money import exact_money

from .models import Buyer, Channel, Product, Sale, Supplier, SupplierBeneficiary

# ------------------------------------------------------------------ suppliers

def _validate_supplier(s: Supplier) -> None:
    division_is(s.county, level="county", side="west", field="county")
    required = s.kind in (Supplier.Kind.ENTERPRISE, Supplier.Kind.COOPERATIVE)
    s.uscc = clean_uscc(s.uscc, required=required)


@transaction.atomic
def supplier_create(*, user, name: str, kind: str, county, uscc: str = "") -> Supplier:
    s = Supplier(name=name, kind=kind, county=county, uscc=uscc)
    _validate_supplier(s)
    return _save(user=user, instance=s, before=None, action="consumption.supplier.created", division_code=county.code)


@transaction.atomic
def supplier_update(*, user, supplier: Supplier, **fields) -> Supplier:
    access.ensure_within(user, supplier.county_id, "change")
    before = audit.snapshot(supplier)
    _apply(supplier, fields)
    _validate_supplier(supplier)
    return _save(user=user, instance=supplier, before=before, action="consumption.supplier.updated",
                 division_code=supplier.county_id)


@transaction.atomic
def beneficiary_add(*, user, supplier: Supplier, household, since_year: int) -> SupplierBeneficiary:
    access.ensure_within(user, supplier.county_id, "change")
    if not type(household).objects.restrict(user, "change").filter(pk=household.pk).exists():
        raise ValidationError({"household": _("This household is not in your area.")})
    if household.village_id[:6] != supplier.county_id[:6]:
        raise ValidationError({"household": _("The household lives outside the supplier's county.")})
    link = SupplierBeneficiary(supplier=supplier, household=household, since_year=since_year)
    return _save(user=user, instance=link, before=None, action="consumption.beneficiary.added",
                 division_code=household.village_id, personal=True)


# ------------------------------------------------------------------ products and buyers

def _validate_product(p: Product, *, user) -> None:
    if p.supplier is None or not Supplier.objects.restrict(user, "change").filter(pk=p.supplier.pk).exists():
        raise ValidationError({"supplier": _("Choose a supplier in your area.")})


@transaction.atomic
def product_create(*, user, name: str, category: str, supplier: Supplier, poverty_mark: bool = False,
                   unit: str = "kg") -> Product:
    p = Product(name=name, category=category, supplier=supplier, poverty_mark=poverty_mark, unit=unit)
    _validate_product(p, user=user)
    return _save(user=user, instance=p, before=None, action="consumption.product.created",
                 division_code=supplier.county_id)


@transaction.atomic
def product_update(*, user, product: Product, **fields) -> Product:
    access.ensure_within(user, product.supplier.county_id, "change")
    before = audit.snapshot(product)
    _apply(product, fields)
    _validate_product(product, user=user)
    return _save(user=user, instance=product, before=before, action="consumption.product.updated",
                 division_code=product.supplier.county_id)


@transaction.atomic
def buyer_create(*, user, name: str, kind: str, division) -> Buyer:
    division_is(division, level=("province", "city", "county", "township"), side="east", field="division")
    b = Buyer(name=name, kind=kind, division=division)
    return _save(user=user, instance=b, before=None, action="consumption.buyer.created", division_code=None)


# ------------------------------------------------------------------ sales

def _validate_sale(s: Sale, *, user) -> None:
    s.amount = exact_money(s.amount)
    if s.quantity is not None and (isinstance(s.quantity, float) or Decimal(str(s.quantity)) <= 0):
        raise ValidationError({"quantity": _("The quantity must be an exact number more than zero.")})
    if s.channel not in Channel.values:
        raise ValidationError({"channel": _("Choose the sales channel.")})
    if s.product is None or not Product.objects.restrict(user, "change").filter(pk=s.product.pk).exists():
        raise ValidationError({"product": _("Choose a product of a supplier in your area.")})
    if s.date is None or s.date > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError({"date": _("The sale date cannot be in the future.")})
    s.county_id = s.product.supplier.county_id


@transaction.atomic
def sale_create(*, user, product: Product, buyer: Buyer, date: dt.date, amount: Decimal, channel: str,
                quantity: Decimal | None = None) -> Sale:
    s = Sale(product=product, buyer=buyer, date=date, amount=amount, channel=channel, quantity=quantity)
    _validate_sale(s, user=user)
    return _save(user=user, instance=s, before=None, action="consumption.sale.created", division_code=s.county_id)


@transaction.atomic
def sale_update(*, user, sale: Sale, **fields) -> Sale:
    access.ensure_within(user, sale.county_id, "change")
    before = audit.snapshot(sale)
    _apply(sale, fields)
    _validate_sale(sale, user=user)
    return _save(user=user, instance=sale, before=before, action="consumption.sale.updated",
                 division_code=sale.county_id)
