"""`xiezuo demo`: build the synthetic Guangyuan demo, deterministically, then serve it.

It refuses a database it did not build (see `refusal`) and marks the one it builds.
Each app contributes its part through `xiezuo.<app>.demo.build(scale, seed, log)`
(see `xiezuo.plugins`), in dependency order.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from xiezuo.plugins import app_modules

DEMO_PASSWORD = "demo"  # noqa: S105 (documented demo login)


def refusal() -> str | None:
    """Why `xiezuo demo` must not touch this database, or None. It replaces the data and sets the demo logins'
    passwords (admin included) to "demo", so it runs only on an empty database, on one it marked when it built
    it, or on one built before the mark existed (every household synthetic, only demo logins)."""
    from xiezuo.accounts.demo import demo_users
    from xiezuo.accounts.models import User
    from xiezuo.registry.models import Household
    from xiezuo.web.models import DatabaseMark

    if DatabaseMark.objects.filter(name="demo").exists():
        return None
    users, households = User.objects.count(), Household.objects.count()
    if not users and not households:
        return None
    demo_names = {u[0] for u in demo_users()}
    if (households and not Household.objects.filter(synthetic=False).exists()
            and not User.objects.exclude(username__in=demo_names).exists()):
        return None
    return (f"This database was not built by `xiezuo demo` (users: {users:,}, households: {households:,}). The demo "
            "replaces its data and sets the password of admin and the other demo logins to \"demo\", so it stops "
            "here. Point DATABASE_URL or XIEZUO_DATA_DIR at an empty database for the demo.")


class Command(BaseCommand):
    help = "Build the Guangyuan demo database (replacing its data) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the book's 348,200 people")
        parser.add_argument("--seed", type=int, default=2013)
        parser.add_argument("--no-serve", action="store_true", help="build only")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, scale, seed, no_serve, host, port, **options):
        if not 0 < scale <= 1.0:
            raise SystemExit("--scale must be in (0, 1]")
        call_command("migrate", interactive=False, verbosity=0)
        reason = refusal()
        if reason:
            raise CommandError(reason)
        from xiezuo.web.models import DatabaseMark

        DatabaseMark.objects.update_or_create(name="demo", defaults={"data": {"scale": scale, "seed": seed}})
        started = time.perf_counter()

        def log(message: str) -> None:
            self.stdout.write(f"[{time.perf_counter() - started:7.1f}s] {message}")
            self.stdout.flush()

        for app, module in app_modules("demo"):
            log(f"{app}: building")
            module.build(scale=scale, seed=seed, log=log)
        log("demo ready")
        self.stdout.write(
            "\nDemo logins (password: demo): admin (superuser); county staff: lizhou zhaohua chaotian "
            "wangcang qingchuan jiange cangxi; huzhou (eastern cooperation office); auditor\n"
        )
        if not no_serve:
            call_command("serve", host=host, port=port)
