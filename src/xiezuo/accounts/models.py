"""Users, their roles and geographic grants, and the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import chain
from .access import RestrictedQuerySet


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("System administrator")
        CITY = "city_staff", _("City staff")
        COUNTY = "county_staff", _("County staff")
        TOWNSHIP = "township_staff", _("Township staff")
        VILLAGE = "village_staff", _("Village staff")
        EAST_OFFICE = "east_office", _("Eastern cooperation office")
        AUDITOR = "auditor", _("Auditor")
        LEADER = "leader", _("Leader")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VILLAGE)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Optional TOTP second factor (RFC 6238); the secret is Fernet-encrypted like identity numbers.
    totp_secret_enc = models.TextField(_("two-factor secret (encrypted)"), blank=True, editable=False)
    totp_enabled = models.BooleanField(_("two-factor login"), default=False)
    # Time step of the last accepted code: a code is accepted once (totp.consume).
    totp_last_step = models.BigIntegerField(_("last two-factor time step"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("bulk_unmask", _("Export identity numbers, phones and bank accounts in clear"))]

    def __str__(self) -> str:
        return self.display_name or self.username


class Grant(models.Model):
    """A user's scope: a division and everything below it, for viewing or editing."""

    class Kind(models.TextChoices):
        VIEW = "view", _("View and analyse")
        EDIT = "edit", _("Edit")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    division = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.EDIT)

    class Meta:
        verbose_name = _("scope grant")
        verbose_name_plural = _("scope grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "division", "kind"], name="accounts_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.division}"


class ApiToken(models.Model):
    """An API token: only its SHA-256 digest is stored; the token is shown once, when created.

    A token is 32 random bytes, so a plain (unsalted, fast) digest is safe: there is nothing
    to guess. Someone with the database file learns prefixes and dates, never a usable token.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("token name"), max_length=100, blank=True)
    prefix = models.CharField(_("starts with"), max_length=12)  # to tell one's tokens apart
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}… {self.name}".strip()

    def is_active(self, now=None) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class AuditQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")

    def bulk_create(self, objs, *args, **kwargs):
        # Every path into the log is chained (see accounts.chain), in the caller's transaction.
        objs = list(objs)
        with transaction.atomic(using=self.db):
            chain.link([o for o in objs if o.seq is None])
            return super().bulk_create(objs, *args, **kwargs)


class AuditEntry(models.Model):
    """One recorded change. Written by services in their own transaction; never changed."""

    # Set by accounts.chain when the entry is linked (never earlier than the entry before it).
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # DO_NOTHING without a database constraint: deleting a user must not rewrite the log
    # (the append-only triggers would refuse it); actor_name keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("record type"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("record"), max_length=200, blank=True)
    division_code = models.CharField(_("division"), max_length=12, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=20, blank=True)  # web, api, import, admin, command, job
    request_id = models.CharField(_("request or job id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    data = models.JSONField(_("details"), null=True, blank=True)
    # The hash chain (accounts.chain): position, the previous entry's hash, this entry's hash.
    seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()
    # Entries are scoped by the division of the record they describe; snapshots may hold
    # names, so an eastern office never reads them, and entries without a division are
    # for administrators and auditors only.
    scope_field = "division_code"
    personal_data = True

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        with transaction.atomic(using=kwargs.get("using")):
            if self.seq is None:
                chain.link([self])
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class AuditChainHead(models.Model):
    """The end of the audit hash chain: one row, locked by each writer of the log until it commits."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"
