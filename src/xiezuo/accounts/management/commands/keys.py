"""`xiezuo keys rotate`: re-encrypt every identity number under a new Fernet key.

Keys come from XIEZUO_FIELD_KEYS (comma-separated, first encrypts) or, when that is not
set, from the file `field.keys` in the data directory. Rotation puts a new key first and
re-encrypts every row in one transaction, in batches. Older keys stay in the list: the
last one keys the lookup hashes (uniqueness, search), so it is never dropped.

  xiezuo keys generate               print a new key, change nothing
  xiezuo keys rotate                 file keys: generate a key, put it first, re-encrypt;
                                     environment keys: re-encrypt under the first key already set
  xiezuo keys rotate --new-key KEY   put KEY first (file keys), re-encrypt
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xiezuo.accounts import services
from xiezuo.accounts.context import acting


class Command(BaseCommand):
    help = "Encryption keys for identity numbers: generate a key, or rotate (re-encrypt every row)."

    def add_arguments(self, parser):
        parser.add_argument("op", choices=["generate", "rotate"])
        parser.add_argument("--new-key", default="", help="a Fernet key to put first (default: a generated one)")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, op, new_key, batch_size, **options):
        if op == "generate":
            self.stdout.write(Fernet.generate_key().decode())
            self.stdout.write("Put it first in XIEZUO_FIELD_KEYS (keep the old keys after it), restart, "
                              "then run `xiezuo keys rotate`.")
            return
        current = list(settings.XIEZUO_FIELD_KEYS)
        from_env = bool(os.environ.get("XIEZUO_FIELD_KEYS"))
        if new_key:
            try:
                Fernet(new_key.encode())
            except ValueError as exc:
                raise CommandError("--new-key is not a Fernet key (32 url-safe base64 bytes); "
                                   "make one with `xiezuo keys generate`.") from exc
        elif not from_env:
            new_key = Fernet.generate_key().decode()
        keys = [new_key, *[k for k in current if k != new_key]] if new_key else current
        with acting("command"):
            try:
                counts = services.keys_rotate(keys=keys, batch_size=batch_size)
            except Exception as exc:
                raise CommandError(f"Rotation failed, nothing was changed: {exc}") from exc
        if not from_env and new_key:
            path = settings.DATA_DIR / "field.keys"
            path.write_text(",".join(keys))
            path.chmod(0o600)
            self.stdout.write(f"New key added first to {path}.")
        elif new_key:
            self.stdout.write("Set XIEZUO_FIELD_KEYS to this value before restarting the server:\n" + ",".join(keys))
        self.stdout.write(f"Re-encrypted {counts['members']} identity numbers and {counts['users']} "
                          "two-factor secrets under the first key.")
