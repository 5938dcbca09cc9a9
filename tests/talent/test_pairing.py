"""Exchanges linked to a cooperation.Pairing: the partner filter follows the pairing when one is
set, the pairing filter selects by it, and the demo links postings to matching county pairings."""

import datetime as dt

from xiezuo.cooperation.models import Pairing
from xiezuo.talent import selectors
from xiezuo.talent.demo import _link_pairings
from xiezuo.talent.models import Exchange, TrainingSession


def _exchange(west, east, pairing=None, start=dt.date(2019, 3, 1)):
    return Exchange.objects.create(person_name="张", direction="e2w", kind="cadre", home_unit="a", host_unit="b",
                                   west_division=west, east_division=east, start_date=start, pairing=pairing)


def test_partner_and_pairing_filters_use_the_fk(divisions, wuxing, make_user):
    from xiezuo.geo.models import Division

    nanxun = Division.objects.create(code="330503000000", name="南浔区", level="county", parent=divisions["huzhou"],
                                     side="east")
    pairing = Pairing.objects.create(level="county", east_division=nanxun, west_division=divisions["lizhou"],
                                     round="2018", valid_from=dt.date(2018, 1, 1))
    linked = _exchange(divisions["lizhou"], wuxing, pairing=pairing)  # recorded partner differs from the pairing
    plain = _exchange(divisions["lizhou"], wuxing)
    admin = make_user("adm", role="admin")
    assert set(selectors.exchange_list(user=admin, partner="330503")) == {linked}
    assert set(selectors.exchange_list(user=admin, partner="330502")) == {plain}
    assert set(selectors.exchange_list(user=admin, pairing=str(pairing.pk))) == {linked}


def test_demo_links_matching_pairings_by_date(divisions, wuxing):
    pairing = Pairing.objects.create(level="county", east_division=wuxing, west_division=divisions["lizhou"],
                                     round="2018", valid_from=dt.date(2018, 1, 1), valid_to=dt.date(2020, 12, 31))
    inside = Exchange(west_division=divisions["lizhou"], east_division=wuxing, start_date=dt.date(2019, 1, 1))
    before = Exchange(west_division=divisions["lizhou"], east_division=wuxing, start_date=dt.date(2017, 1, 1))
    elsewhere = Exchange(west_division=divisions["wangcang"], east_division=wuxing, start_date=dt.date(2019, 1, 1))
    session = TrainingSession(west_division=divisions["lizhou"], east_division=wuxing, date=dt.date(2020, 5, 1))
    assert _link_pairings([inside, before, elsewhere], [session]) == 2
    assert inside.pairing == pairing and session.pairing == pairing
    assert before.pairing is None and elsewhere.pairing is None


def test_services_link_the_pairing_valid_on_the_date_and_relink_on_update(divisions, wuxing, make_user):
    from xiezuo.talent import services

    pairing = Pairing.objects.create(level="county", east_division=wuxing, west_division=divisions["lizhou"],
                                     round="2018", valid_from=dt.date(2018, 1, 1), valid_to=dt.date(2020, 12, 31))
    clerk = make_user("talent_clerk", division=divisions["lizhou"])
    e = services.exchange_create(user=clerk, person_name="王", direction="e2w", kind="cadre", home_unit="吴兴区",
                                 host_unit="利州区", west_division=divisions["lizhou"], east_division=wuxing,
                                 start_date=dt.date(2019, 3, 1))
    assert Exchange.objects.get(pk=e.pk).pairing == pairing
    services.exchange_update(user=clerk, exchange=e, start_date=dt.date(2021, 3, 1))
    assert Exchange.objects.get(pk=e.pk).pairing is None  # the 2018-2020 pairing had ended
    s = services.session_create(user=clerk, title="茶叶培训", date=dt.date(2020, 5, 1), place="利州", organiser="吴兴",
                                audience="workers", west_division=divisions["lizhou"], east_division=wuxing,
                                headcount=30)
    assert TrainingSession.objects.get(pk=s.pk).pairing == pairing
