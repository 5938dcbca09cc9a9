"""Accounts part of `xiezuo demo`: the documented demo logins (password "demo" for all).

admin (superuser); lizhou … cangxi (county staff with an edit grant on their county);
huzhou (eastern cooperation office, grant on 湖州市); auditor. Users are updated in place
(never deleted, so audit entries and owned records keep their actor), and their grants
reset to exactly the ones below.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Grant, User

DEMO_PASSWORD = "demo"  # noqa: S105 (documented demo login)

COUNTY_USERS = {
    "lizhou": ("510802000000", "利州区工作人员"),
    "zhaohua": ("510811000000", "昭化区工作人员"),
    "chaotian": ("510812000000", "朝天区工作人员"),
    "wangcang": ("510821000000", "旺苍县工作人员"),
    "qingchuan": ("510822000000", "青川县工作人员"),
    "jiange": ("510823000000", "剑阁县工作人员"),
    "cangxi": ("510824000000", "苍溪县工作人员"),
}


def demo_users() -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(username, role, display name, [(division code, grant kind)])."""
    users = [("admin", User.Role.ADMIN, "系统管理员", [])]
    users += [(name, User.Role.COUNTY, display, [(code, "edit")]) for name, (code, display) in COUNTY_USERS.items()]
    users += [
        ("huzhou", User.Role.EAST_OFFICE, "湖州市东西部协作办", [("330500000000", "edit")]),
        ("auditor", User.Role.AUDITOR, "审计员", []),
    ]
    return users


@transaction.atomic
def build(*, scale: float = 1.0, seed: int = 2013, log=print) -> None:  # noqa: ARG001
    for username, role, display, grants in demo_users():
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={"role": role, "display_name": display, "is_active": True,
                      "is_superuser": username == "admin", "is_staff": username == "admin",
                      "password": make_password(DEMO_PASSWORD)},
        )
        Grant.objects.filter(user=user).delete()
        Grant.objects.bulk_create([Grant(user=user, division_id=code, kind=kind) for code, kind in grants])
    log(f"accounts: {len(demo_users())} demo users (password: {DEMO_PASSWORD})")
