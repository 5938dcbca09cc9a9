"""`xiezuo token create USERNAME [--name NAME] [--days N]` prints a new API token once (only its
digest is stored; it expires after N days, 90 by default); `xiezuo token revoke USERNAME`
revokes all of the user's tokens. Send it as `Authorization: Bearer TOKEN`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xiezuo.accounts import services, tokens
from xiezuo.accounts.context import acting
from xiezuo.accounts.models import User


class Command(BaseCommand):
    help = "Create (printed once) or revoke a user's API tokens."

    def add_arguments(self, parser):
        parser.add_argument("op", choices=["create", "revoke"])
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label to tell the token apart (create)")
        parser.add_argument("--days", type=int, default=tokens.DEFAULT_DAYS,
                            help=f"days until it expires, 1 to {tokens.MAX_DAYS} (create)")

    def handle(self, *args, op, username, name, days, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}; list users in the admin or create one with "
                               "`xiezuo createsuperuser`.")
        with acting("command"):
            if op == "create":
                try:
                    self.stdout.write(services.token_create(user=user, name=name, days=days))
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from None
                self.stderr.write(f"Shown once: only its digest is stored. Expires in {days} days.")
            else:
                count = services.token_revoke(user=user)
                self.stdout.write(f"{count} token(s) of {username} revoked.")
