"""Consumption services: suppliers (USCC), beneficiaries, products, sales (exact amounts), scope, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from stdnum.cn import uscc

from xiezuo.accounts.models import AuditEntry
from xiezuo.consumption import selectors, services
from xiezuo.consumption.models import Sale, Supplier


def a_uscc(county="510821", serial="MA6200001"):
    body = f"93{county}{serial}"
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def setup(staff, divisions, make_user):
    from xiezuo.geo.models import Division

    admin = make_user("boss", role="admin")
    wuxing = Division.objects.create(code="330502000000", name="吴兴区", level="county", parent=divisions["huzhou"],
                                     side="east")
    supplier = services.supplier_create(user=staff["wangcang"], name="旺苍茶叶合作社", kind="cooperative",
                                        county=divisions["wangcang"], uscc=a_uscc())
    product = services.product_create(user=staff["wangcang"], name="米仓山茶", category="tea", supplier=supplier,
                                      poverty_mark=True)
    buyer = services.buyer_create(user=admin, name="吴兴区机关食堂", kind="government", division=wuxing)
    return {"supplier": supplier, "product": product, "buyer": buyer, "admin": admin}


def sell(user, setup, **overrides):
    fields = dict(user=user, product=setup["product"], buyer=setup["buyer"], date=dt.date(2019, 6, 1),
                  amount=Decimal("12345.67"), channel="purchase_for_aid", quantity=Decimal("100"))
    fields.update(overrides)
    return services.sale_create(**fields)


def test_a_sale_is_exact_scoped_and_audited(staff, setup):
    s = sell(staff["wangcang"], setup)
    s2 = sell(staff["wangcang"], setup, amount=Decimal("0.01"), channel="ecommerce")
    assert s.county_id == "510821000000"
    assert selectors.sales_total(Sale.objects.all()) == Decimal("12345.68")
    assert AuditEntry.objects.filter(action="consumption.sale.created").count() == 2
    assert set(selectors.sale_list(user=staff["wangcang"])) == {s, s2}
    assert not selectors.sale_list(user=staff["lizhou"]).exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": Decimal("0")}, "amount"),
    ({"amount": Decimal("-1")}, "amount"),
    ({"amount": Decimal("1.001")}, "amount"),
    ({"amount": 10.1}, "amount"),
    ({"quantity": Decimal("-2")}, "quantity"),
    ({"channel": "barter"}, "channel"),
    ({"date": dt.date.today() + dt.timedelta(days=30)}, "date"),
])
def test_bad_sales_are_refused(staff, setup, overrides, field):
    with pytest.raises(ValidationError) as exc:
        sell(staff["wangcang"], setup, **overrides)
    assert field in exc.value.message_dict
    assert not Sale.objects.exists()


def test_another_countys_staff_cannot_sell_its_products(staff, setup):
    with pytest.raises(ValidationError) as exc:
        sell(staff["lizhou"], setup)
    assert "product" in exc.value.message_dict


def test_supplier_uscc_rules(staff, divisions):
    # an enterprise needs a valid USCC; a family farm may have none
    with pytest.raises(ValidationError) as exc:
        services.supplier_create(user=staff["wangcang"], name="无码公司", kind="enterprise", county=divisions["wangcang"])
    assert "uscc" in exc.value.message_dict
    bad = a_uscc()[:-1] + ("0" if a_uscc()[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        services.supplier_create(user=staff["wangcang"], name="错码公司", kind="enterprise",
                                 county=divisions["wangcang"], uscc=bad)
    farm = services.supplier_create(user=staff["wangcang"], name="家庭农场", kind="farm", county=divisions["wangcang"])
    assert farm.uscc == ""
    # suppliers are in a western county, and in the user's scope
    with pytest.raises(ValidationError):
        services.supplier_create(user=staff["wangcang"], name="镇", kind="farm", county=divisions["wangcang_town"])
    with pytest.raises(PermissionDenied):
        services.supplier_create(user=staff["lizhou"], name="越界", kind="farm", county=divisions["wangcang"])
    assert Supplier.objects.count() == 1


def test_beneficiaries_are_households_of_the_suppliers_county(staff, setup, make_household, divisions):
    home = make_household(divisions["wangcang_village"], members=())
    link = services.beneficiary_add(user=staff["wangcang"], supplier=setup["supplier"], household=home,
                                    since_year=2019)
    assert link.pk and AuditEntry.objects.filter(action="consumption.beneficiary.added").exists()
    away = make_household(divisions["lizhou_village"], members=())
    with pytest.raises(ValidationError):
        services.beneficiary_add(user=setup["admin"], supplier=setup["supplier"], household=away, since_year=2019)


def test_sale_pages(client, staff, setup):
    client.force_login(staff["wangcang"])
    form = {"product": setup["product"].pk, "buyer": setup["buyer"].pk, "date": "2020-03-05", "amount": "880.50",
            "quantity": "", "channel": "direct_store"}
    assert client.post("/consumption/sales/new/", form).status_code == 302
    sale = Sale.objects.get()
    assert sale.amount == Decimal("880.50")
    page = client.get("/consumption/sales/?year=2020&channel=direct_store")
    assert list(page.context["page"]) == [sale]
    for url in ("/consumption/suppliers/", f"/consumption/suppliers/{setup['supplier'].pk}/", "/consumption/products/",
                "/consumption/buyers/", f"/consumption/buyers/{setup['buyer'].pk}/", f"/consumption/sales/{sale.pk}/edit/", "/api/consumption/sales/?year=2020"):
        assert client.get(url).status_code == 200, url
    client.force_login(staff["lizhou"])
    assert client.get(f"/consumption/sales/{sale.pk}/").status_code == 404
