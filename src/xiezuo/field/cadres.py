"""Pages where a county manages its persons responsible (帮扶责任人): create a cadre with a sign-in for the phone
app, and assign them households. For county (or city) staff holding the permission
(`accounts.access.can_manage_cadre_accounts`), not the Django admin, which is for administrators only; every
division and household offered, and every one posted, is inside the manager's edit scope (re-checked by the
services, so a forged form changes nothing)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xiezuo.accounts.access import can_manage_cadre_accounts, get_scoped_or_404, prefixes_q, scope_prefixes
from xiezuo.geo.models import Division
from xiezuo.registry.models import Cadre, Household

from . import services


def _field_divisions(user):
    """The villages and townships a manager may file a cadre under (their edit scope)."""
    return (Division.objects.filter(prefixes_q("code", scope_prefixes(user, "change")), side=Division.Side.WEST,
                                    level__in=("township", "village")).select_related("parent").order_by("code"))


class CadreAccountForm(forms.Form):
    division = forms.ChoiceField(label=gettext_lazy("Village or township"))
    name = forms.CharField(label=gettext_lazy("name"), max_length=50)
    work_unit = forms.CharField(label=gettext_lazy("work unit"), max_length=100, required=False)
    post = forms.CharField(label=gettext_lazy("post"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("phone"), max_length=20, required=False)
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Initial password"), widget=forms.PasswordInput, strip=False,
                               help_text=gettext_lazy("Give it to the cadre in person; they can change it later."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [
            (d.code, f"{d.parent.name} {d.name}" if d.level == "village" and d.parent else d.name)
            for d in _field_divisions(user)]


def _manager(request):
    if not can_manage_cadre_accounts(request.user):
        raise Http404
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def cadre_list(request):
    """The persons responsible in the manager's area, their sign-in and households; the form for a new one."""
    user = _manager(request)
    form = CadreAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        division = _field_divisions(user).filter(code=form.cleaned_data["division"]).first()
        try:
            if division is None:
                raise PermissionDenied
            account = services.cadre_account_create(actor=user, division=division, **{
                k: form.cleaned_data[k] for k in ("name", "username", "password", "work_unit", "post", "phone")})
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(name)s can now sign in as %(username)s.")
                             % {"name": account.cadre.name, "username": account.user.username})
            return redirect("field:cadre_assign", pk=account.cadre_id)
    cadres = (Cadre.objects.restrict(user, "change").select_related("division", "account__user")
              .annotate(n=Count("households")).order_by("division_id", "name", "pk"))
    page = Paginator(cadres, 50).get_page(request.GET.get("page"))
    return render(request, "field/cadres.html", {"form": form, "page": page})


def _households_change(request, cadre, change, ids: list[int], done: str):
    """Assign or release (`change`, a field service) and say how it went; a refusal changes nothing."""
    try:
        n = change(actor=request.user, cadre=cadre, household_ids=ids)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, done % {"n": n, "cadre": cadre.name})
    return redirect("field:cadre_assign", pk=cadre.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cadre_assign(request, pk: int):
    """Tick the households of the cadre's village (or township) they are responsible for, or give numbers of
    other households of the county."""
    user = _manager(request)
    cadre = get_scoped_or_404(Cadre.objects.select_related("division"), user, "change", pk=pk)
    if request.method == "POST" and request.POST.get("action") == "release":
        ids = [int(i) for i in request.POST.getlist("release") if i.isdigit()]
        return _households_change(request, cadre, services.cadre_households_release, ids,
                                  _("%(n)s households released from %(cadre)s."))
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("household") if i.isdigit()]
        numbers = request.POST.get("numbers", "").replace(",", " ").replace("，", " ").split()
        if numbers:
            found = dict(Household.objects.restrict(user, "change").filter(number__in=numbers)
                         .values_list("number", "pk"))
            unknown = [n for n in numbers if n not in found]
            if unknown:
                messages.error(request, _("No household %(numbers)s in your area: nothing was assigned.")
                               % {"numbers": ", ".join(unknown[:10])})
                return redirect("field:cadre_assign", pk=cadre.pk)
            ids += found.values()
        return _households_change(request, cadre, services.cadre_households_assign, ids,
                                  _("%(n)s households assigned to %(cadre)s."))
    households = (Household.objects.restrict(user, "change").filter(village__code__startswith=cadre.division.prefix)
                  .select_related("cadre", "village").order_by("village_id", "number"))
    # the cadre's own households wherever they are (a number given from another village of the county included)
    assigned = (Household.objects.restrict(user, "change").filter(cadre=cadre).select_related("village")
                .order_by("village_id", "number"))
    return render(request, "field/cadre_assign.html", {"cadre": cadre, "households": households[:1000],
                                                       "assigned": assigned[:1000]})
