"""Pages of the accounts app: login, the audit log (search and export), reveal, two-factor setup."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import audit, services, totp
from .access import can_unmask, is_admin
from .forms import AuditFilterForm, LoginForm, RevealForm, TokenCreateForm, TotpConfirmForm, TotpReauthForm
from .selectors import audit_list as audit_list_selector

EXPORT_COLUMNS = ("at", "actor_name", "action", "target_type", "target_id", "target_repr", "division_code",
                  "source", "request_id", "ip", "before", "after", "data")
EXPORT_MAX_ROWS = 1_000_000


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


# What signing out removes from the browser (Clear-Site-Data, W3C): its HTTP cache and its storage for this
# origin (IndexedDB, where the field app keeps the cadre's households and queued visits, localStorage, the
# service worker's caches and registration). Cookies are left to the logout itself, which ends the session. The
# field app also deletes its IndexedDB before posting the logout, for browsers that ignore the header (it is
# honoured only in a secure context: HTTPS or localhost).
CLEAR_SITE_DATA = '"cache", "storage"'


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


def may_export_audit(user) -> bool:
    return is_admin(user) or getattr(user, "role", "") == "auditor"


def _filters(request) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})


@login_required
def audit_list(request):
    form, filters = _filters(request)
    qs = audit_list_selector(user=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "accounts/audit_list.html", {
        "form": form, "page": page, "query": query, "can_export": may_export_audit(request.user),
    })


def _safe_cell(value) -> str:
    """Text for a spreadsheet cell; formulas are neutralised (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _rows(qs):
    for entry in qs.iterator(chunk_size=2000):
        yield [_safe_cell(timezone.localtime(entry.at).isoformat() if col == "at" else getattr(entry, col))
               for col in EXPORT_COLUMNS]


class _Echo:
    def write(self, value):
        return value


@login_required
def audit_export(request, fmt: str):
    if not may_export_audit(request.user):
        raise PermissionDenied(_("Only administrators and auditors may export the audit log."))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters = _filters(request)
    qs = audit_list_selector(user=request.user, filters=filters)[:EXPORT_MAX_ROWS]
    audit.record(action="accounts.audit.exported", user=request.user, data={"format": fmt, "filters": filters})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream():
            yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a BOM
            yield writer.writerow(EXPORT_COLUMNS)
            for row in _rows(qs):
                yield writer.writerow(row)

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("audit")
    sheet.write_row(0, 0, EXPORT_COLUMNS)
    for i, row in enumerate(_rows(qs), start=1):
        sheet.write_row(i, 0, row)
    book.close()
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reveal(request, kind: str, pk: int):
    """Show one personal value in clear, once, after the user gives a reason (audited)."""
    if kind not in services.REVEALABLE or not can_unmask(request.user):
        raise Http404
    form = RevealForm(request.POST or None)
    value = None
    if request.method == "POST" and form.is_valid():
        try:
            value = services.personal_data_reveal(user=request.user, kind=kind, pk=pk,
                                                  reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
    response = render(request, "accounts/reveal.html", {"form": form, "value": value, "kind": kind})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Enable (scan the secret, confirm a code), replace or disable two-factor login for oneself.

    Replacing or disabling an enabled second factor asks for the password and a current code.
    """
    user = request.user
    secret = totp.secret_of(user) if user.totp_secret_enc and not user.totp_enabled else ""
    op = request.POST.get("op") if request.method == "POST" else None
    form = TotpConfirmForm(request.POST if op == "confirm" else None)
    reauth = TotpReauthForm(request.POST if op in ("disable", "replace") else None)
    if op == "begin" and not totp.required_for(user):
        services.totp_begin(user=user)
        return redirect("accounts:two_factor")
    if op in ("disable", "replace") and reauth.is_valid():
        credentials = {"password": reauth.cleaned_data["password"], "code": reauth.cleaned_data["code"]}
        try:
            if op == "disable":
                services.totp_disable(user=user, actor=user, **credentials)
            else:
                services.totp_begin(user=user, **credentials)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    reauth.add_error(field if field in reauth.fields else None, errors)
            else:
                reauth.add_error(None, exc)
        else:
            if op == "disable":
                messages.success(request, _("Two-factor login is off."))
            return redirect("accounts:two_factor")
    if op == "confirm" and form.is_valid():
        try:
            services.totp_enable(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.message_dict.get("code", exc.messages))
        else:
            messages.success(request, _("Two-factor login is on."))
            return redirect("accounts:two_factor")
    uri = totp.provisioning_uri(user, secret) if secret else ""
    return render(request, "accounts/two_factor.html", {"secret": secret, "uri": uri, "form": form,
                                                        "reauth": reauth})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """One's own API tokens: create one (shown once, on this response only), list them, revoke one."""
    from .models import ApiToken

    user = request.user
    form = TokenCreateForm(request.POST if request.POST.get("op") == "create" else None)
    new_key = ""
    if request.method == "POST":
        if request.POST.get("op") == "revoke":
            token_id = request.POST.get("token", "")
            if not token_id.isdigit() or not ApiToken.objects.filter(user=user, pk=int(token_id)).exists():
                raise Http404
            services.token_revoke(user=user, actor=user, token_id=int(token_id))
            messages.success(request, _("The token is revoked."))
            return redirect("accounts:api_tokens")
        if form.is_valid():
            try:
                new_key = services.token_create(user=user, actor=user, name=form.cleaned_data["name"],
                                                days=form.cleaned_data["days"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = TokenCreateForm()
    response = render(request, "accounts/api_tokens.html", {
        "form": form, "new_key": new_key, "tokens": ApiToken.objects.filter(user=user), "now": timezone.now()})
    response["Cache-Control"] = "no-store"
    return response
