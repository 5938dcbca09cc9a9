"""Date inputs in zh-hans: ISO values a browser's date input takes, and today where a record is made."""

import datetime as dt

import pytest
from django import forms
from django.utils import timezone, translation

from xiezuo.dates import DatedForm


class Payment(DatedForm, forms.Form):
    date = forms.DateField()
    until = forms.DateField(required=False)


def test_date_inputs_render_iso_in_chinese():
    # Django's own zh_Hans formats write 2026/12/04, which <input type="date"> rejects and shows empty.
    with translation.override("zh-hans"):
        html = str(Payment(initial={"date": dt.date(2026, 12, 4)})["date"])
        plain = forms.DateInput(attrs={"type": "date"}).render("d", dt.date(2026, 12, 4))
        assert forms.DateField().clean("2026年12月4日") == dt.date(2026, 12, 4)
    assert 'type="date"' in html and 'value="2026-12-04"' in html
    assert 'value="2026-12-04"' in plain  # the settings' formats, for widgets outside DatedForm


def test_a_required_date_of_a_new_record_starts_at_today():
    form = Payment()
    assert f'value="{timezone.localdate().isoformat()}"' in str(form["date"])
    assert 'value=' not in str(form["until"])  # optional dates stay empty
    assert Payment(data={"date": "2026-01-02"}).is_valid()  # a bound form keeps what was sent


@pytest.mark.django_db
def test_an_edit_form_shows_the_records_own_date(divisions):
    from xiezuo.cooperation.forms import VisitForm
    from xiezuo.cooperation.models import Visit

    assert str(VisitForm()["date"]).count(timezone.localdate().isoformat()) == 1
    visit = Visit(pk=1, date=dt.date(2019, 5, 6), title="x", west_division=divisions["lizhou"])
    with translation.override("zh-hans"):
        assert 'value="2019-05-06"' in str(VisitForm(instance=visit)["date"])
