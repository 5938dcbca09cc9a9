"""Consumption pages: sales, suppliers, products and buyers (see `xiezuo.labor.crud.Entity`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xiezuo.labor.crud import Column, Entity, Filter, county_filter, year_filter

from . import forms, selectors, services
from .models import Buyer, Channel, Product, Sale, Supplier


def _supplier_extra(request, supplier):
    from xiezuo.accounts.access import can_see_personal_data

    links = supplier.beneficiaries.restrict(request.user, "view").select_related("household") \
        if can_see_personal_data(request.user) else []
    return {"extra_template": "consumption/_beneficiaries.html", "beneficiaries": links,
            "products": supplier.products.all()}


SALES = Entity(
    app="consumption", name="sale", model=Sale, title=_("Consumption sales"), selector=selectors.sale_list,
    form=forms.SaleForm, create=services.sale_create, update=services.sale_update, update_kwarg="sale",
    filters=[year_filter(), county_filter(), Filter("channel", _("Channel"), lambda: list(Channel.choices))],
    total=lambda qs: [(_("Total (yuan)"), f"{selectors.sales_total(qs):,.2f}")],
    columns=[Column(_("Product"), lambda s: s.product.name), Column(_("Buyer"), lambda s: s.buyer.name),
             Column(_("County"), lambda s: s.county.name), Column(_("Date"), lambda s: s.date),
             Column(_("Channel"), lambda s: s.get_channel_display()),
             Column(_("Amount (yuan)"), lambda s: f"{s.amount:,.2f}", num=True)],
)
SUPPLIERS = Entity(
    app="consumption", name="supplier", model=Supplier, title=_("Suppliers"), selector=selectors.supplier_list,
    form=forms.SupplierForm, create=services.supplier_create, update=services.supplier_update,
    update_kwarg="supplier", filters=[county_filter()], detail_extra=_supplier_extra,
    columns=[Column(_("Name"), lambda s: s.name), Column(_("Kind"), lambda s: s.get_kind_display()),
             Column(_("County"), lambda s: s.county.name), Column(_("USCC"), lambda s: s.uscc)],
)
PRODUCTS = Entity(
    app="consumption", name="product", model=Product, title=_("Products"), selector=selectors.product_list,
    form=forms.ProductForm, create=services.product_create, update=services.product_update,
    update_kwarg="product", filters=[county_filter()],
    columns=[Column(_("Name"), lambda p: p.name), Column(_("Category"), lambda p: p.get_category_display()),
             Column(_("Poverty-alleviation product mark"), lambda p: "✓" if p.poverty_mark else ""),
             Column(_("Supplier"), lambda p: p.supplier.name)],
)
BUYERS = Entity(
    app="consumption", name="buyer", model=Buyer, title=_("Eastern buyers"), selector=selectors.buyer_list,
    form=forms.BuyerForm, create=services.buyer_create,
    columns=[Column(_("Name"), lambda b: b.name), Column(_("Kind"), lambda b: b.get_kind_display()),
             Column(_("Division"), lambda b: b.division.name)],
)
ENTITIES = [SALES, SUPPLIERS, PRODUCTS, BUYERS]
