"""Consumption-assistance demo, deterministic from the seed (book #56, brief §10.5).

The demo region's products sold 2018–2020 total exactly its `[consumption] total_yuan` at every scale
(Guangyuan: 3,360,000,000.00 yuan): the total
is split in whole fen over the sales, so the sum is exact by construction. Suppliers (with
valid USCCs), their products, eastern buyers and the households suppliers benefit (a number
that scales with --scale) are generated around it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from stdnum.cn import uscc

from xiezuo.geo.demo_region import DemoRegion, load
from xiezuo.geo.models import Division

from .models import Buyer, Channel, Product, Sale, Supplier, SupplierBeneficiary

YEAR_WEIGHTS = {2018: 20, 2019: 35, 2020: 45}
SUPPLIERS_PER_COUNTY = 10
BENEFICIARIES_PER_SUPPLIER = 40
BUYER_KINDS = ["government", "enterprise", "school", "hospital", "trade_union", "retailer"]
CHANNEL_WEIGHTS = {Channel.PURCHASE_FOR_AID: 30, Channel.DIRECT_STORE: 20, Channel.ECOMMERCE: 25,
                   Channel.EXPO: 10, Channel.CANTEEN: 12, Channel.OTHER: 3}


def make_uscc(rng: random.Random, county: str, kind: str) -> str:
    head = ("93" if kind == "cooperative" else "91") + county
    body = head + "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
    return body + uscc.calc_check_digit(body)


def split_exact(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, in whole units, summing to `total` exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


def delete_previous() -> None:
    Sale._base_manager.filter(synthetic=True).delete()
    SupplierBeneficiary._base_manager.filter(synthetic=True).delete()
    Product._base_manager.filter(synthetic=True).delete()
    Supplier._base_manager.filter(synthetic=True).delete()
    Buyer._base_manager.filter(synthetic=True).delete()


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: DemoRegion | None = None) -> dict:
    region = region or load()
    spec = region.section("consumption")
    total_fen = int(Decimal(spec["total_yuan"]) * 100)
    products_spec = [tuple(p) for p in spec["products"]]
    rng = random.Random(f"consumption-{seed}")
    with transaction.atomic():
        delete_previous()
        counties = list(Division.objects.filter(level="county", code__startswith=region.prefix).order_by("code"))
        easts = list(Division.objects.filter(level="county",
                                             code__in=[f"{c}000000" for c in spec["east_counties"]]))
        if not counties or not easts:
            log("consumption: no western or eastern counties (build the geo demo first); skipped")
            return {}
        suppliers = []
        for county in counties:
            for i in range(SUPPLIERS_PER_COUNTY):
                kind = ("cooperative", "enterprise", "enterprise", "farm")[i % 4]
                name = f"{county.name}{rng.choice('绿丰富康盛兴')}{rng.choice('源农茶果园山')}" + (
                    "农业专业合作社" if kind == "cooperative" else "家庭农场" if kind == "farm" else "农业开发有限公司")
                suppliers.append(Supplier(name=f"{name}{i + 1:02d}", kind=kind, county=county, synthetic=True,
                                          uscc="" if kind == "farm" else make_uscc(rng, county.code[:6], kind)))
        Supplier.objects.bulk_create(suppliers)
        products = []
        for s in suppliers:
            for name, category in rng.sample(products_spec, 3):
                products.append(Product(name=f"{name}（{s.name[:4]}）", category=category, supplier=s,
                                        poverty_mark=rng.random() < 0.7, synthetic=True))
        Product.objects.bulk_create(products)
        buyers = Buyer.objects.bulk_create([
            Buyer(name=f"{e.name}{('机关食堂', '国有企业工会', '第一中学', '人民医院', '总工会', '消费扶贫专馆')[i % 6]}"
                  f"{i // 6 + 1}", kind=BUYER_KINDS[i % 6], division=e, synthetic=True)
            for e in easts for i in range(6)])
        n_benef = _beneficiaries(rng=rng, scale=scale, suppliers=suppliers, prefix=region.prefix)
        n_sales = max(len(products), round(spec["sales"] * scale))
        fen = split_exact(total_fen, [rng.randint(1, 1000) for _ in range(n_sales)])
        years = list(YEAR_WEIGHTS)
        channels = list(CHANNEL_WEIGHTS)
        sales = []
        for i, amount in enumerate(fen):
            product = products[i] if i < len(products) else rng.choice(products)
            year = rng.choices(years, list(YEAR_WEIGHTS.values()))[0]
            yuan = Decimal(amount).scaleb(-2)
            sales.append(Sale(product=product, buyer=rng.choice(buyers), county_id=product.supplier.county_id,
                              date=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)), amount=yuan,
                              quantity=(yuan / Decimal(rng.randint(20, 120))).quantize(Decimal("0.01")),
                              channel=rng.choices(channels, list(CHANNEL_WEIGHTS.values()))[0], synthetic=True))
        Sale.objects.bulk_create(sales, batch_size=2000)
    log(f"consumption: {len(suppliers)} suppliers, {len(products)} products, {len(buyers)} buyers, "
        f"{n_benef:,} beneficiary households, {len(sales):,} sales totalling {Decimal(total_fen).scaleb(-2):,} yuan")
    return {"suppliers": len(suppliers), "sales": len(sales), "beneficiaries": n_benef}


def _beneficiaries(*, rng, scale, suppliers, prefix: str) -> int:
    from xiezuo.registry.models import Household

    per_supplier = max(1, round(BENEFICIARIES_PER_SUPPLIER * scale))
    by_county: dict[str, list[int]] = {}
    for pk, village in Household._base_manager.filter(village__code__startswith=prefix).order_by("id") \
            .values_list("id", "village_id"):
        by_county.setdefault(village[:6], []).append(pk)
    rows = []
    for s in suppliers:
        pool = by_county.get(s.county_id[:6], [])
        for pk in rng.sample(pool, min(per_supplier, len(pool))):
            rows.append(SupplierBeneficiary(supplier=s, household_id=pk, since_year=rng.choice((2018, 2019, 2020)),
                                            synthetic=True))
    SupplierBeneficiary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
