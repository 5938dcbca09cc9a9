"""Read-only REST API for consumption assistance (scoped by the supplier's county)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Buyer, Channel, Product, Sale, Supplier


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "name", "kind", "county", "uscc"]


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "category", "poverty_mark", "supplier", "unit"]


class BuyerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Buyer
        fields = ["id", "name", "kind", "division"]


class SaleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sale
        fields = ["id", "product", "buyer", "county", "date", "amount", "quantity", "channel"]


COUNTY = "Division code prefix (a county's first 6 digits, a township's 9)"


class SupplierViewSet(ScopedReadOnlyViewSet):
    queryset = Supplier.objects.order_by("id")
    serializer_class = SupplierSerializer
    filter_params = {"county": Param("county__code__startswith", "code", COUNTY)}


class ProductViewSet(ScopedReadOnlyViewSet):
    queryset = Product.objects.order_by("id")
    serializer_class = ProductSerializer
    filter_params = {"county": Param("supplier__county__code__startswith", "code", COUNTY),
                     "poverty_mark": Param("poverty_mark", "bool")}


class BuyerViewSet(ScopedReadOnlyViewSet):
    queryset = Buyer.objects.order_by("id")
    serializer_class = BuyerSerializer


class SaleViewSet(ScopedReadOnlyViewSet):
    queryset = Sale.objects.order_by("id")
    serializer_class = SaleSerializer
    filter_params = {"year": Param("date__year", "year", "Year (4 digits)"),
                     "county": Param("county__code__startswith", "code", COUNTY),
                     "channel": Param("channel", choices=tuple(Channel.values))}


router = routers.SimpleRouter()
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("products", ProductViewSet, basename="product")
router.register("buyers", BuyerViewSet, basename="buyer")
router.register("sales", SaleViewSet, basename="sale")
urlpatterns = [path("", include(router.urls))]
