"""`xiezuo token create USERNAME` prints a new API token (replacing the old one);
`xiezuo token revoke USERNAME` removes it. Send it as `Authorization: Bearer TOKEN`."""

from django.core.management.base import BaseCommand, CommandError

from xiezuo.accounts import services
from xiezuo.accounts.context import acting
from xiezuo.accounts.models import User


class Command(BaseCommand):
    help = "Create or revoke a user's API token."

    def add_arguments(self, parser):
        parser.add_argument("op", choices=["create", "revoke"])
        parser.add_argument("username")

    def handle(self, *args, op, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}; list users in the admin or create one with "
                               "`xiezuo createsuperuser`.")
        with acting("command"):
            if op == "create":
                self.stdout.write(services.token_create(user=user))
            else:
                services.token_revoke(user=user)
                self.stdout.write(f"Token of {username} revoked.")
