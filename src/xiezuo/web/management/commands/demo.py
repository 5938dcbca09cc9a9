"""`xiezuo demo`: build a synthetic demo region, deterministically, then serve it.

`--region NAME` picks the region's definition (`xiezuo.geo.demo_region`: guangyuan, the default, or
dingxi). It refuses a database it did not build, or one built for another region (see `refusal`), and
marks the one it builds. Each app contributes its part through
`xiezuo.<app>.demo.build(scale, seed, log, region)` (see `xiezuo.plugins`), in dependency order.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from xiezuo.plugins import app_modules

DEMO_PASSWORD = "demo"  # noqa: S105 (documented demo login)


def refusal(region: str | None = None) -> str | None:
    """Why `xiezuo demo` must not touch this database, or None. It replaces the data and sets the demo logins'
    passwords (admin included) to "demo", so it runs only on an empty database, on one it marked when it built
    it, or on one built before the mark existed (every household synthetic, only demo logins). A database
    holds one demo region: another region's demo is built into an empty database (the trees would mix)."""
    from xiezuo.accounts.demo import demo_users
    from xiezuo.accounts.models import User
    from xiezuo.geo.demo_region import DEFAULT
    from xiezuo.registry.models import Household
    from xiezuo.web.models import DatabaseMark

    mark = DatabaseMark.objects.filter(name="demo").first()
    if mark is not None:
        built = (mark.data or {}).get("region", DEFAULT)
        if region and built != region:
            return (f"This database holds the {built} demo; the {region} demo goes into an empty database "
                    "(point DATABASE_URL or XIEZUO_DATA_DIR elsewhere), since one database serves one region.")
        return None
    users, households = User.objects.count(), Household.objects.count()
    if not users and not households:
        return None
    demo_names = {u[0] for u in demo_users()} | {u[0] for u in demo_users(_region(region))}
    if (households and not Household.objects.filter(synthetic=False).exists()
            and not User.objects.exclude(username__in=demo_names).exists()):
        return None
    return (f"This database was not built by `xiezuo demo` (users: {users:,}, households: {households:,}). The demo "
            "replaces its data and sets the password of admin and the other demo logins to \"demo\", so it stops "
            "here. Point DATABASE_URL or XIEZUO_DATA_DIR at an empty database for the demo.")


def _region(name: str | None):
    from xiezuo.geo.demo_region import load

    return load(name)


class Command(BaseCommand):
    help = "Build a demo database (the Guangyuan demo unless --region says another; replacing its data) and serve it."

    def add_arguments(self, parser):
        from xiezuo.geo.demo_region import DEFAULT, available

        parser.add_argument("--region", default=DEFAULT, choices=available(),
                            help="the demo region's definition (xiezuo/geo/data/regions/NAME.toml)")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="1.0 = the region's full size (Guangyuan: the book's 348,200 people)")
        parser.add_argument("--seed", type=int, default=2013)
        parser.add_argument("--no-serve", action="store_true", help="build only")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, region, scale, seed, no_serve, host, port, **options):
        if not 0 < scale <= 1.0:
            raise SystemExit("--scale must be in (0, 1]")
        call_command("migrate", interactive=False, verbosity=0)
        reason = refusal(region)
        if reason:
            raise CommandError(reason)
        from xiezuo.web.models import DatabaseMark

        spec = _region(region)
        DatabaseMark.objects.update_or_create(name="demo", defaults={"data": {"scale": scale, "seed": seed,
                                                                              "region": region}})
        started = time.perf_counter()

        def log(message: str) -> None:
            self.stdout.write(f"[{time.perf_counter() - started:7.1f}s] {message}")
            self.stdout.flush()

        for app, module in app_modules("demo"):
            log(f"{app}: building")
            module.build(scale=scale, seed=seed, log=log, region=spec)
        log(f"demo ready ({spec.name})")
        from xiezuo.accounts.demo import county_users

        office = spec.section("accounts").get("east_office", {}).get("login", "")
        self.stdout.write(
            f"\nDemo logins (password: demo): admin (superuser); county staff: {' '.join(county_users(spec))}; "
            f"{office} (eastern cooperation office); auditor; cadre (a person responsible, /field/)\n"
        )
        if not no_serve:
            call_command("serve", host=host, port=port)
