"""Writes of the accounts app: reveals of personal data, second factor, API tokens, key rotation.

Each is one use case, one transaction, audited in that transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, crypto, throttle, tokens, totp
from .access import can_unmask, get_scoped_or_404, is_admin
from .audit import REASON_MIN_LENGTH
from .context import current


@dataclass(frozen=True)
class Revealable:
    model: str  # app_label.ModelName
    action: str
    read: Callable[[object], str]


def _member_id(member) -> str:
    return crypto.decrypt(member.id_number_enc) if member.id_number_enc else ""


# What may be revealed, one record at a time.
REVEALABLE: dict[str, Revealable] = {
    "member_id": Revealable("registry.Member", "registry.member.id_unmasked", _member_id),
    "member_phone": Revealable("registry.Member", "registry.member.phone_unmasked",
                               lambda m: crypto.unseal(m.phone_enc)),
    "household_phone": Revealable("registry.Household", "registry.household.phone_unmasked",
                                  lambda h: crypto.unseal(h.phone_enc)),
    "household_bank_account": Revealable("registry.Household", "registry.household.bank_account_unmasked",
                                         lambda h: crypto.unseal(h.bank_account_enc)),
}


@transaction.atomic
def personal_data_reveal(*, user, kind: str, pk: int, reason: str) -> str:
    """The clear value of one personal field of one record in the user's scope, audited with the reason."""
    if kind not in REVEALABLE:
        raise ValidationError({"kind": _("Unknown field to reveal: %(kind)s.") % {"kind": kind}})
    if not can_unmask(user):
        raise PermissionDenied(_("You are not allowed to reveal personal data."))
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("Give a reason of at least %(n)d characters.") % {"n": REASON_MIN_LENGTH}})
    spec = REVEALABLE[kind]
    model = apps.get_model(spec.model)
    obj = get_scoped_or_404(model.objects.all(), user, "view", pk=pk)
    value = spec.read(obj)
    audit.record(action=spec.action, user=user, target=obj, data={"reason": reason, "field": kind})
    return value


def _reauthenticate(user, password: str | None, code: str | None) -> None:
    """Password and a fresh code, for changes to the second factor itself.

    Failures count in the login throttle (same username and address), so a stolen session
    cannot be used to guess the password here instead of at the login page.
    """
    ip = current().ip
    if throttle.address_locked(ip) or throttle.is_locked(user.username, ip):
        raise ValidationError(_("Too many failed attempts. Wait 15 minutes and try again."), code="locked")
    errors = {}
    if not password or not user.check_password(password):
        errors["password"] = _("The password is wrong.")
    elif not totp.consume(user, code or ""):
        errors["code"] = _("The code is wrong or was already used. Enter the current code from your app.")
    if errors:
        throttle.failed(user.username, ip)
        raise ValidationError(errors, code="reauth")


@transaction.atomic
def totp_begin(*, user, password: str | None = None, code: str | None = None) -> str:
    """A fresh secret stored (encrypted) but not yet enabled; returns it for the authenticator app.

    Replacing the secret of an enabled second factor turns it off until confirmed, so it
    needs the password and a current code like `totp_disable`.
    """
    if totp.required_for(user):
        _reauthenticate(user, password, code)
    secret = totp.new_secret()
    user.totp_secret_enc = crypto.encrypt(secret)
    user.totp_enabled = False
    user.totp_last_step = None
    user.save(update_fields=["totp_secret_enc", "totp_enabled", "totp_last_step"])
    return secret


@transaction.atomic
def totp_enable(*, user, code: str) -> None:
    if not totp.consume(user, code):
        raise ValidationError({"code": _("The code does not match. Check your device's clock and try the current code.")})
    user.totp_enabled = True
    user.save(update_fields=["totp_enabled"])
    audit.record(action="accounts.user.totp_enabled", user=user, target=user)


@transaction.atomic
def totp_disable(*, user, actor, password: str | None = None, code: str | None = None) -> None:
    """Turn off a user's second factor: by themselves with password and current code, or by an
    administrator for someone else (a lost phone; audited)."""
    if getattr(actor, "pk", None) == user.pk:
        if totp.required_for(user):
            _reauthenticate(user, password, code)
    elif not is_admin(actor):
        raise PermissionDenied(_("Only administrators may turn off someone else's two-factor login."))
    user.totp_enabled = False
    user.totp_secret_enc = ""
    user.totp_last_step = None
    user.save(update_fields=["totp_enabled", "totp_secret_enc", "totp_last_step"])
    audit.record(action="accounts.user.totp_disabled", user=actor, target=user)


@transaction.atomic
def token_create(*, user, actor=None, name: str = "", days: int = tokens.DEFAULT_DAYS) -> str:
    """A new API token for `user`; the key is returned once and only its digest is stored."""
    from .models import ApiToken

    if not user.is_active:
        raise ValidationError(_("The user %(name)s is inactive.") % {"name": user.username})
    if not 1 <= days <= tokens.MAX_DAYS:
        raise ValidationError({"days": _("A token lasts from 1 to %(n)d days.") % {"n": tokens.MAX_DAYS}})
    key = tokens.new_key()
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=key[:tokens.PREFIX_SHOWN],
                                    digest=tokens.digest(key), expires_at=timezone.now() + timedelta(days=days))
    audit.record(action="accounts.token.created", user=actor, target=user,
                 data={"token": token.pk, "prefix": token.prefix, "name": token.name,
                       "expires": token.expires_at.isoformat()})
    return key


@transaction.atomic
def token_revoke(*, user, actor=None, token_id: int | None = None) -> int:
    """Revoke one of `user`'s active tokens (`token_id`), or all of them; the rows stay as history."""
    from .models import ApiToken

    qs = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if token_id is not None:
        qs = qs.filter(pk=token_id)
    ids = list(qs.values_list("pk", flat=True))
    ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
    audit.record(action="accounts.token.revoked", user=actor, target=user, data={"tokens": ids})
    return len(ids)


def _rotate_column(model, field: str, batch_size: int) -> int:
    """Re-encrypt one ciphertext column under the first key, in primary-key batches."""
    done = 0
    last_pk = None
    while True:
        qs = model._base_manager.exclude(**{field: ""}).order_by("pk")
        if last_pk is not None:
            qs = qs.filter(pk__gt=last_pk)
        rows = list(qs.values_list("pk", field)[:batch_size])
        if not rows:
            return done
        objs = [model(pk=pk, **{field: crypto.rotate(token)}) for pk, token in rows]
        model._base_manager.bulk_update(objs, [field], batch_size=batch_size)
        done += len(objs)
        last_pk = rows[-1][0]


@transaction.atomic
def keys_rotate(*, keys: list[str], actor=None, batch_size: int = 2000) -> dict[str, int]:
    """Re-encrypt every identity number and 2FA secret under `keys[0]`.

    `keys` must still contain every key in use (older ones after the new), and must end
    with the same last key as before, which keys the lookup hashes (see crypto._hash_key).
    """
    from cryptography.fernet import Fernet

    for key in keys:
        Fernet(key.encode())  # raises ValueError on a malformed key
    old = list(settings.XIEZUO_FIELD_KEYS)
    if keys[-1] != old[-1]:
        raise ValidationError(_("The last key must stay the same: it keys the identity-number lookup hashes."))
    settings.XIEZUO_FIELD_KEYS = list(keys)
    try:
        counts = {"members": _rotate_column(apps.get_model("registry.Member"), "id_number_enc", batch_size),
                  "users": _rotate_column(apps.get_model("accounts.User"), "totp_secret_enc", batch_size)}
    except Exception:
        settings.XIEZUO_FIELD_KEYS = old
        raise
    audit.record(action="accounts.keys.rotated", user=actor, data={**counts, "keys": len(keys)})
    return counts


# Roles a scoped manager may give the sign-ins they create (never their own level or above).
FIELD_ROLES = ("township_staff", "village_staff")


@transaction.atomic
def field_user_create(*, actor, username: str, password: str, display_name: str, role: str, division) -> object:
    """A sign-in for field work (a cadre's) with an edit grant on one western division inside the actor's own
    edit scope; the role is township or village staff, so a manager cannot create a peer or a superior."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    from .access import ensure_within
    from .models import Grant

    if role not in FIELD_ROLES:
        raise ValidationError({"role": _("A field sign-in is township or village staff.")})
    ensure_within(actor, division.code, "change")
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Choose a user name.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The user name %(name)s is taken: choose another.")},
                              params={"name": username})
    user = User(username=username, display_name=display_name, role=role)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    Grant.objects.create(user=user, division=division, kind=Grant.Kind.EDIT)
    audit.record(action="accounts.user.created", user=actor, target=user, after=audit.snapshot(user),
                 data={"role": role, "grant": {"division": division.code, "kind": "edit"}},
                 division_code=division.code)
    return user
