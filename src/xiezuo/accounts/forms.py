"""Login (throttled, with the optional second factor), reveal and audit-search forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from xiezuo.dates import DateInput

from . import throttle, tokens, totp
from .audit import REASON_MIN_LENGTH


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LoginForm(AuthenticationForm):
    """Username and password; a six-digit code when the user has enabled two-factor login."""

    otp_code = forms.CharField(
        label=_("Two-factor code"), required=False, max_length=6,
        help_text=_("Only if you have enabled two-factor login: the 6 digits shown by your authenticator app."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts for this account from your address. Wait 15 minutes and try again."),
        "address_locked": _("Too many failed login attempts from your address, for several accounts. "
                            "Logins from this address are paused for 15 minutes."),
        "otp": _("The two-factor code is missing or wrong. Enter the current 6-digit code from your authenticator app."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if throttle.address_locked(ip):
            raise forms.ValidationError(self.error_messages["address_locked"], code="address_locked")
        if throttle.is_locked(username, ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed(username, ip)
            raise
        user = self.get_user()
        code = self.cleaned_data.get("otp_code", "")
        if user is not None and totp.required_for(user) and not totp.consume(user, code):
            throttle.failed(username, ip)
            self.user_cache = None
            raise forms.ValidationError(self.error_messages["otp"], code="otp")
        throttle.reset(username, ip)
        return cleaned


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), min_length=REASON_MIN_LENGTH, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need the full value (at least 10 characters); it is kept in the audit log."),
    )


class TotpConfirmForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=6, min_length=6)


class TotpReauthForm(forms.Form):
    """To turn off or replace two-factor login: the password and a fresh code, not the session alone."""

    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(label=_("Current code from your authenticator app"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=100)
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    record = forms.CharField(label=_("Record"), required=False, max_length=200,
                             help_text=_("Record type, id or name"))
    division = forms.CharField(label=_("Division code"), required=False, max_length=12)
    source = forms.CharField(label=_("Source"), required=False, max_length=20)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean_division(self):
        value = (self.cleaned_data.get("division") or "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("A division code has digits only: 6 for a county, 12 for a village."))
        return value


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, required=False,
                           help_text=_("What the token is for, e.g. the monthly report script."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=tokens.MAX_DAYS,
                              initial=tokens.DEFAULT_DAYS)
