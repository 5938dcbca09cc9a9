"""Two counties of personal data with distinctive strings, for scope-leak tests.

County A is 利州区 (510802), county B is 旺苍县 (510821). Every name and number in
county B is unique, so finding one in a response is a leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xiezuo.accounts.crypto import mask_id_number

# Valid GB 11643 numbers (check digits computed), distinct from the shared fixtures'.
A_IDS = ("510802198001011231", "510802198502020013")
B_IDS = ("510821197003030019", "510821199004040410")


@dataclass
class Secrets:
    household_numbers: list[str] = field(default_factory=list)
    head_names: list[str] = field(default_factory=list)
    member_names: list[str] = field(default_factory=list)
    id_numbers: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    bank_accounts: list[str] = field(default_factory=list)

    @property
    def masked_ids(self) -> list[str]:
        return [mask_id_number(n) for n in self.id_numbers]

    def needles(self) -> dict[str, str]:
        out = {}
        for kind in ("household_numbers", "head_names", "member_names", "id_numbers", "phones", "bank_accounts"):
            for value in getattr(self, kind):
                out[value] = kind
        for value in self.masked_ids:
            out[value] = "masked_id_numbers"
        return out


def build(divisions) -> dict:
    """Households, members and yearly rows in county A and county B; returns the objects and B's secrets."""
    from xiezuo.registry.models import Cadre, Household, HouseholdYear, Member, StatusChange
    from xiezuo.registry.services import member_identity_fields

    made = {}
    clear: dict[str, dict] = {}  # the phones and bank accounts as written (the models keep them encrypted)
    for side, village, ids, number, head, phone, bank in (
        ("a", divisions["lizhou_village"], A_IDS, "A510802-0001", "甲户主赵", "13800001111", "6222000011112222"),
        ("b", divisions["wangcang_village"], B_IDS, "B510821-0001", "乙户主钱", "13911112222", "6228000033334444"),
    ):
        cadre = Cadre.objects.create(name=f"{side}干部孙", division=village, phone="13700000000")
        hh = Household.objects.create(number=number, village=village, head_name=head, phone=phone,
                                      bank_name="农商银行", bank_account=bank, cadre=cadre)
        members = []
        clear[side] = {"phone": phone, "bank_account": bank, "member_phones": []}
        for i, id_number in enumerate(ids):
            member_phone = f"1590000{i}{'12' if side == 'a' else '34'}9"
            clear[side]["member_phones"].append(member_phone)
            members.append(Member.objects.create(
                household=hh, name=f"{head[:2]}成员{'甲乙'[i]}{side}", sex="M",
                birth_date=dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                relation="01" if i == 0 else "20", phone=member_phone, **member_identity_fields(id_number)))
        HouseholdYear.objects.create(household=hh, year=2019, size=len(ids))
        StatusChange.objects.create(household=hh, on=dt.date(2019, 12, 1), from_status="identified",
                                    to_status="exited", reason="收入达标")
        made[side] = {"household": hh, "members": members, "cadre": cadre}
    b = made["b"]
    made["b_secrets"] = Secrets(
        household_numbers=[b["household"].number], head_names=[b["household"].head_name],
        member_names=[m.name for m in b["members"]], id_numbers=list(B_IDS),
        phones=[clear["b"]["phone"], *clear["b"]["member_phones"]], bank_accounts=[clear["b"]["bank_account"]])
    a = made["a"]
    made["all_secrets"] = Secrets(
        member_names=[m.name for m in a["members"] + b["members"]], id_numbers=list(A_IDS + B_IDS),
        phones=[clear["a"]["phone"], clear["b"]["phone"]],
        bank_accounts=[clear["a"]["bank_account"], clear["b"]["bank_account"]])
    made["clear"] = clear
    return made
