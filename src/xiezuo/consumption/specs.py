"""The consumption sales sheet for the data-exchange mechanism (`xiezuo.dataio.specs`).

A sale has no natural key. A row names its product and supplier (or the supplier's USCC) and its
buyer; the product must be one the importing user may change, the amount exact and above zero, the
date not in the future. Rows are cleaned first, every problem reported by row and column.

So that the same file imported twice never doubles money:
- a row carrying a record number (记录编号, every export has it) is that sale: unchanged, or
  changed through `services.sale_update` (audited);
- a row without one that repeats an existing sale exactly (product, buyer, date, amount, quantity,
  channel) is a probable duplicate: skipped (counted as unchanged) with a warning naming the sale's
  record number. Matching is one to one: a file holding two identical rows against one stored sale
  adds the second (a genuine second sale is written as two rows; the same file again adds nothing).
New sales are written in one bulk insert with one audit row per sale.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from xiezuo.accounts import audit
from xiezuo.dates import EARLIEST

from .models import Buyer, Channel, Product, Sale

FIELDS = ("product", "buyer", "date", "amount", "quantity", "channel")


def _columns():
    from xiezuo.dataio.specs import Column, record_key_column

    return (
        Column("product", "产品名称", "Product", required=True, max_length=200, synonyms=("产品", "商品名称")),
        Column("supplier", "供应商", "Supplier", max_length=200, synonyms=("供货单位", "供应商名称"),
               note_zh="供应商名称或统一社会信用代码", note_en="Supplier name or USCC"),
        Column("buyer", "采购方", "Buyer", required=True, max_length=200, synonyms=("采购单位", "购买方")),
        Column("date", "销售日期", "Date", "date", required=True, min_value=EARLIEST, synonyms=("日期",)),
        Column("amount", "销售金额", "Amount", "money", required=True, min_value=Decimal("0.01"),
               max_value=Decimal("1000000000"), note_zh="元，大于零，最多两位小数", note_en="Yuan, above 0, 2 decimals",
               synonyms=("金额", "金额（元）")),
        Column("quantity", "数量", "Quantity", "decimal", min_value=Decimal("0.01"), max_value=Decimal("1e12")),
        Column("channel", "销售渠道", "Channel", "choice", required=True, choices=Channel, synonyms=("渠道",),
               aliases=(("以购代帮", "purchase_for_aid"), ("直营店", "direct_store"), ("电商", "ecommerce"),
                        ("展会", "expo"), ("食堂", "canteen"), ("其他", "other"))),
        record_key_column(),
    )


def _signature(sale: Sale) -> tuple:
    """What makes two sales the same sale, as far as a file can say."""
    quantity = None if sale.quantity is None else Decimal(sale.quantity).normalize()
    return (sale.product_id, sale.buyer_id, sale.date, Decimal(sale.amount).quantize(Decimal("0.01")), quantity,
            sale.channel)


def register() -> None:
    from xiezuo.dataio import specs

    from . import services

    class SalesSpec(specs.TabularSpec):
        entity = "sales"
        title_zh = "消费帮扶销售"
        title_en = "Consumption sales"
        order = 60
        model = Sale
        columns = _columns()

        def plan(self, ctx, rows):
            col = {c.name: c for c in self.columns}
            products: dict[str, list[Product]] = {}
            for p in Product.objects.restrict(ctx.user, "change").select_related("supplier"):
                products.setdefault(p.name, []).append(p)
            buyers: dict[str, list[Buyer]] = {}
            for b in Buyer.objects.all():
                buyers.setdefault(b.name, []).append(b)
            today = dt.date.today()
            for row in rows:
                v = row.values
                candidates = [p for p in products.get(v["product"], [])
                              if not v.get("supplier") or v["supplier"] in (p.supplier.name, p.supplier.uscc)]
                if len(candidates) != 1:
                    ctx.error(row, col["product"], v["product"],
                              _("No product of this name in your area: add it on the products page first.")
                              if not candidates else
                              _("Several suppliers sell a product of this name: fill in the supplier column."))
                    continue
                found = buyers.get(v["buyer"], [])
                if len(found) != 1:
                    ctx.error(row, col["buyer"], v["buyer"],
                              _("Unknown buyer: add it on the buyers page first.") if not found
                              else _("Several buyers have this name."))
                    continue
                if v["date"] > today:
                    ctx.error(row, col["date"], v["date"], _("The sale date cannot be in the future."))
                    continue
                if v["amount"] != v["amount"].quantize(Decimal("0.01")) or v["amount"] <= 0:
                    ctx.error(row, col["amount"], v["amount"], _("The amount must be more than zero."))
                    continue
                product = candidates[0]
                row.obj = Sale(product=product, buyer=found[0], county_id=product.supplier.county_id, date=v["date"],
                               amount=v["amount"], quantity=v.get("quantity"), channel=v["channel"])
                row.action = "new"
            self._match(ctx, [r for r in rows if r.action == "new"])

        def _match(self, ctx, rows):
            """Rows with a record number against their sale; the others against stored sales with the
            same fields, one to one (probable duplicates: skipped with a warning)."""
            keyed = specs.keyed_records(ctx, self, rows, Sale.objects.restrict(ctx.user, "change")
                                        .select_related("product", "buyer"))  # compared below, no query a row
            pool: dict[tuple, list[int]] = {}  # a stored sale's fields -> the pks not yet matched
            products = {r.obj.product_id for r in rows}
            dates = {r.obj.date for r in rows}
            for sale in (Sale.objects.filter(product_id__in=products, date__in=dates).order_by("id")
                         if products else ()):
                pool.setdefault(_signature(sale), []).append(sale.pk)
            seen: dict[int, int] = {}
            for row in rows:
                key = row.values.get(specs.RECORD_KEY)
                if key is None or row.action == "error":
                    continue
                if key in seen:
                    ctx.error(row, self.columns[-1], key, _("The same record number is already on row %(row)d.")
                              % {"row": seen[key]})
                    continue
                seen[key] = row.number
                sale = keyed[key]
                stored = pool.get(_signature(sale), [])
                if sale.pk in stored:
                    stored.remove(sale.pk)  # claimed by its own row: not a duplicate for a row without a number
                row.diff = {n: (getattr(sale, n), getattr(row.obj, n)) for n in FIELDS
                            if getattr(sale, n) != getattr(row.obj, n)}
                row.action = "changed" if row.diff else "unchanged"
                row.obj.pk = sale.pk  # what commit updates
            for row in rows:
                if row.values.get(specs.RECORD_KEY) is not None or row.action != "new":
                    continue
                stored = pool.get(_signature(row.obj))
                if stored:
                    pk = stored.pop(0)
                    row.action = "unchanged"
                    ctx.error(row, self.columns[-1], "", _(
                        "Probably already recorded: the sale with record number %(pk)d has the same product, buyer, "
                        "date, amount, quantity and channel. Not imported again; a second identical sale can be "
                        "added on the sales page.") % {"pk": pk}, level="warning")

        def commit(self, ctx, rows):
            new = [r.obj for r in rows if r.action == "new"]
            Sale.objects.bulk_create(new, batch_size=1000)
            audit.record_many(action="consumption.sale.imported", user=ctx.user, targets=new,
                              data={"job": ctx.job_id} if ctx.job_id else None)
            for row in rows:
                if row.action == "changed":
                    sale = Sale.objects.get(pk=row.obj.pk)
                    services.sale_update(user=ctx.user, sale=sale, **{n: getattr(row.obj, n) for n in row.diff})

        def export_queryset(self, *, user, params):
            from . import selectors

            year = params.get("year") if hasattr(params, "get") else None
            county = params.get("county") if hasattr(params, "get") else None
            return selectors.sale_list(user=user, year=int(year) if year and str(year).isdigit() else None,
                                       county=county if county and str(county).isdigit() else None) \
                .select_related("product__supplier").order_by("date", "id")

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            return {"product": obj.product.name, "supplier": obj.product.supplier.name, "buyer": obj.buyer.name,
                    "date": obj.date, "amount": obj.amount, "quantity": obj.quantity, "channel": obj.channel,
                    specs.RECORD_KEY: obj.pk}

    specs.register(SalesSpec())
