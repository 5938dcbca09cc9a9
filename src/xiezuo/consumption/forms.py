"""Forms for consumption pages: they parse input only; the services validate and save."""

from __future__ import annotations

from xiezuo.accounts.scoped_forms import UserForm, divisions

from .models import Buyer, Product, Sale, Supplier


class SupplierForm(UserForm):
    class Meta:
        model = Supplier
        fields = ["name", "kind", "county", "uscc"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = divisions(level="county", side="west", user=self.user, keep=self.current("county"))


class ProductForm(UserForm):
    class Meta:
        model = Product
        fields = ["name", "category", "poverty_mark", "supplier", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.restrict(self.user, "change")


class BuyerForm(UserForm):
    class Meta:
        model = Buyer
        fields = ["name", "kind", "division"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions(level=("province", "city", "county"), side="east")


class SaleForm(UserForm):
    class Meta:
        model = Sale
        fields = ["product", "buyer", "date", "amount", "quantity", "channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.restrict(self.user, "change").select_related("supplier")
