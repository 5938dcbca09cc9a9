"""Consumption assistance (消费扶贫): western suppliers and the households they benefit,
their products (with a provincial poverty-alleviation mark), eastern buyers, and sales by channel.

Scoped by the supplier's county. Sales and products are not personal data; the supplier's
beneficiary households are, and are scoped by the household's village.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.dates import validate_record_date


class Supplier(models.Model):
    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("Farmers' cooperative")
        ENTERPRISE = "enterprise", _("Enterprise")
        ORGANISATION = "organisation", _("Organisation")
        FARM = "farm", _("Family farm or grower")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    county = models.ForeignKey("geo.Division", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "county__code"

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplierBeneficiary(models.Model):
    """A registry household the supplier benefits (带贫): buys from, employs, or pays dividends to."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.CASCADE,
                                  related_name="supplier_links")
    since_year = models.PositiveSmallIntegerField(_("since (year)"))
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("household benefited by a supplier")
        verbose_name_plural = _("households benefited by suppliers")
        constraints = [models.UniqueConstraint(fields=["supplier", "household"], name="consumption_benef_unique")]

    def __str__(self) -> str:
        return f"{self.supplier_id} → {self.household_id}"


class Product(models.Model):
    class Category(models.TextChoices):
        TEA = "tea", _("Tea")
        FRUIT = "fruit", _("Fruit")
        MEAT = "meat", _("Meat and eggs")
        GRAIN_OIL = "grain_oil", _("Grain and oil")
        MUSHROOM = "mushroom", _("Edible fungi")
        HERB = "herb", _("Medicinal herbs")
        NUTS = "nuts", _("Nuts")
        HANDICRAFT = "handicraft", _("Handicraft")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    poverty_mark = models.BooleanField(_("Poverty-alleviation product mark"), default=False)
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT,
                                 related_name="products")
    unit = models.CharField(_("unit"), max_length=20, default="kg")
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "supplier__county__code"

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Buyer(models.Model):
    """An eastern unit or organisation that buys: reference data, visible to every user."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government body")
        ENTERPRISE = "enterprise", _("Enterprise")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        TRADE_UNION = "trade_union", _("Trade union")
        RETAILER = "retailer", _("Retailer")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    division = models.ForeignKey("geo.Division", verbose_name=_("division (east)"), on_delete=models.PROTECT,
                                 related_name="+")
    synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    PURCHASE_FOR_AID = "purchase_for_aid", _("Purchase in place of aid (以购代帮)")
    DIRECT_STORE = "direct_store", _("Direct store (直营店)")
    ECOMMERCE = "ecommerce", _("E-commerce (电商)")
    EXPO = "expo", _("Expo (展会)")
    CANTEEN = "canteen", _("Canteen (食堂)")
    OTHER = "other", _("Other")


class Sale(models.Model):
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="sales")
    buyer = models.ForeignKey(Buyer, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="sales")
    county = models.ForeignKey("geo.Division", verbose_name=_("supplier's county"), on_delete=models.PROTECT,
                               related_name="+", editable=False)
    date = models.DateField(_("date"), validators=[validate_record_date])
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2, null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "county__code"

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["date"], name="consumption_sale_date")]

    def __str__(self) -> str:
        from xiezuo.web.numformat import yuan

        return f"{self.product} {yuan(self.amount)}"
