"""Accounts part of `xiezuo demo`: the documented demo logins (password "demo" for all).

admin (superuser); one county staff user per western county of the demo region (its definition's
`login`, an edit grant on the county: lizhou … cangxi for Guangyuan); the eastern cooperation office
(`[accounts] east_office`: huzhou, grant on 湖州市); auditor. Users are updated in place (never deleted,
so audit entries and owned records keep their actor), and their grants reset to exactly the ones below.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from xiezuo.geo.demo_region import DemoRegion, full, load

from .models import Grant, User

DEMO_PASSWORD = "demo"  # noqa: S105 (documented demo login)


def county_users(region: DemoRegion | None = None) -> dict[str, tuple[str, str]]:
    """login -> (county code, display name) of the region's county staff."""
    region = region or load()
    names = {c["code"]: c["name"] for c in region.tree["counties"]}
    return {login: (full(code), f"{names[code]}工作人员") for code, login in region.county_logins.items()}


def demo_users(region: DemoRegion | None = None) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(username, role, display name, [(division code, grant kind)])."""
    region = region or load()
    users = [("admin", User.Role.ADMIN, "系统管理员", [])]
    users += [(name, User.Role.COUNTY, display, [(code, "edit")])
              for name, (code, display) in county_users(region).items()]
    office = region.section("accounts").get("east_office")
    if office:
        users.append((office["login"], User.Role.EAST_OFFICE, office["display"], [(full(office["division"]), "edit")]))
    users.append(("auditor", User.Role.AUDITOR, "审计员", []))
    return users


@transaction.atomic
def build(*, scale: float = 1.0, seed: int = 2013, log=print, region: DemoRegion | None = None) -> None:  # noqa: ARG001
    users = demo_users(region)
    for username, role, display, grants in users:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={"role": role, "display_name": display, "is_active": True,
                      "is_superuser": username == "admin", "is_staff": username == "admin",
                      "password": make_password(DEMO_PASSWORD)},
        )
        Grant.objects.filter(user=user).delete()
        Grant.objects.bulk_create([Grant(user=user, division_id=code, kind=kind) for code, kind in grants])
    log(f"accounts: {len(users)} demo users (password: {DEMO_PASSWORD})")
