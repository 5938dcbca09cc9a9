from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import Buyer, Product, Sale, Supplier, SupplierBeneficiary


@admin.register(Supplier)
class SupplierAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "county", "uscc"]
    list_filter = ["kind"]
    search_fields = ["name", "uscc"]


@admin.register(SupplierBeneficiary)
class SupplierBeneficiaryAdmin(ScopedModelAdmin):
    list_display = ["supplier", "household", "since_year"]
    raw_id_fields = ["supplier", "household"]


@admin.register(Product)
class ProductAdmin(ScopedModelAdmin):
    list_display = ["name", "category", "poverty_mark", "supplier"]
    list_filter = ["category", "poverty_mark"]
    search_fields = ["name"]
    raw_id_fields = ["supplier"]


@admin.register(Buyer)
class BuyerAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "division"]
    search_fields = ["name"]


@admin.register(Sale)
class SaleAdmin(ScopedModelAdmin):
    list_display = ["product", "buyer", "county", "date", "amount", "channel"]
    list_filter = ["channel"]
    date_hierarchy = "date"
    raw_id_fields = ["buyer"]
    readonly_fields = ["county", "product"]

    def has_add_permission(self, request):
        return False  # added through the pages, whose services derive the scope fields
