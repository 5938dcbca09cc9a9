"""Field pages: the phone app (an installable web app that works offline) and its JSON endpoints.

The app shell (`/field/`) holds no personal data, so the service worker may cache it; the households
come from `/field/api/households` (masked, only what a visit needs) into the device's IndexedDB, never
into the worker's cache. Visits are posted to `/field/api/visits` (idempotent by the device's key;
409 with both versions when the server's facts changed since the download).
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from xiezuo.accounts import crypto
from xiezuo.accounts.access import get_scoped_or_404
from xiezuo.registry.models import Household, HouseholdYear

from . import selectors, visits

MAX_VISIT_BYTES = 25 * 1024 * 1024
MEASURES_ON_PHONE = 5


@require_GET
def service_worker(request):
    """The worker script from our static files, served under /field/ so that its scope is /field/."""
    path = finders.find("field/sw.js")
    if path is None:
        raise Http404
    with open(path, encoding="utf-8") as fh:
        response = HttpResponse(fh.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/field/"
    return response


@login_required
def app(request):
    """The shell: no household data (the script renders them from the device's store)."""
    from xiezuo.monitoring.models import RiskType

    strings = {
        "online": _("online"), "offline": _("offline: visits are kept on this phone"),
        "summary": _("This month: {made} of {due} households visited"), "none": _("No households assigned to you."),
        "due": _("Visit due this month"), "overdue": _("{n} overdue"),
        "overdue_one": _("Visit overdue: not visited last month either"),
        "visited": _("Visited"), "queued": _("Visit saved, waiting to be sent"),
        "case_due": _("step due"), "record": _("Record a visit"), "people": _("people"), "years_old": _("y"),
        "conflict": _("The facts of {household} changed on the server since you downloaded them. Choose which to keep."),
        "server_version": _("On the server"), "my_version": _("Mine"), "keep_server": _("Keep the server's"),
        "use_mine": _("Use mine"), "refused": _("Not accepted:"), "discard": _("Discard"),
        "facts": {name: str(HouseholdYear._meta.get_field(name).verbose_name) for name in visits.PHONE_FACTS},
    }
    return render(request, "field/app.html", {"risk_types": RiskType.choices, "strings": strings})


def _household_payload(hh: Household, hy: HouseholdYear | None, cases: list, visited, today,
                       measures: list, state: dict | None, mine: bool) -> dict:
    members = [{"name": m.name, "relation": m.get_relation_display(), "age": m.age_in(today.year),
                "health": m.get_health_display(), "schooling": m.get_schooling_display(),
                "id": m.id_number_masked[-4:] if m.id_number_masked else ""}
               for m in hh.members.all() if not m.deceased]
    return {
        "id": hh.pk, "number": hh.number, "head": hh.head_name, "village": hh.village.name,
        "status": hh.get_status_display(), "members": members,
        "facts": {"year": today.year, "version": visits.facts_version(hy), "values": visits.phone_facts(hy),
                  "from_year": hy.year if hy else None},
        "cases": [{"id": c.pk, "label": str(c), "stage": c.get_stage_display(),
                   "due": c.stage_due_on.isoformat() if c.stage_due_on else None,
                   "overdue": c.is_overdue(today)} for c in cases],
        "visited": visited.isoformat() if visited else None,
        # the shared definition (selectors.with_visit_state): due a visit a month, made, overdue
        "due": bool(state) and not state["visit_made"],
        "overdue": bool(state) and state["visit_overdue"],
        "mine": mine,  # counted in the cadre's own month (their person responsible is this cadre)
        # the same measure records as the household and case pages, the latest few
        "measures": [{"on": m.on.isoformat(), "category": m.get_category_display(), "content": m.content,
                      "amount": str(m.amount), "case": str(m.case_id and f"M{m.case_id:06d}" or "")}
                     for m in measures[-MEASURES_ON_PHONE:]],
    }


@login_required
@never_cache
@require_GET
def households_json(request):
    """The cadre's households, only what a visit needs; identity numbers cut to their last four digits."""
    from xiezuo.monitoring import workflow as wf
    from xiezuo.monitoring.models import Case

    today = timezone.localdate()
    households = list(selectors.my_households(user=request.user).prefetch_related("members"))
    ids = [h.pk for h in households]
    facts: dict[int, HouseholdYear] = {}
    for hy in HouseholdYear.objects.restrict(request.user, "view").filter(household_id__in=ids,
                                                                         year__lte=today.year).order_by("year"):
        facts[hy.household_id] = hy  # the latest year up to this one
    this_year = {k: v for k, v in facts.items() if v.year == today.year}
    cases: dict[int, list] = {}
    for c in Case.objects.restrict(request.user, "view").filter(household_id__in=ids, stage__in=wf.OPEN_STAGES):
        cases.setdefault(c.household_id, []).append(c)
    visited = selectors.visited_this_month(households=ids, today=today)
    states = {r["pk"]: r for r in selectors.with_visit_state(Household.objects.filter(pk__in=ids), today=today)
              .values("pk", "visit_made", "visit_overdue")}
    account = getattr(request.user, "cadre_account", None)
    measures: dict[int, list] = {}
    for m in selectors.measure_list(user=request.user).filter(household_id__in=ids).order_by("on", "id"):
        measures.setdefault(m.household_id, []).append(m)
    rows = []
    for hh in households:
        payload = _household_payload(hh, this_year.get(hh.pk), cases.get(hh.pk, []), visited.get(hh.pk), today,
                                     measures.get(hh.pk, []), states.get(hh.pk),
                                     mine=account is not None and hh.cadre_id == account.cadre_id and hh.pk in states)
        if hh.pk not in this_year and hh.pk in facts:  # show last year's facts, version of "no row yet"
            payload["facts"]["values"] = visits.phone_facts(facts[hh.pk])
            payload["facts"]["from_year"] = facts[hh.pk].year
        rows.append(payload)
    month = selectors.visit_tally(selectors.cadre_households(user=request.user), today=today)
    return JsonResponse({"generated_at": timezone.now().isoformat(), "today": today.isoformat(),
                         "user": request.user.username, "households": rows,
                         "month": {"due": month.due, "made": month.made, "overdue": month.overdue}})


@login_required
@never_cache
@require_POST
def visit_post(request):
    """multipart: `data` (JSON: household, client_key, on, met, notes, facts, base_version, risks) + `photo` files."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_VISIT_BYTES:
        return JsonResponse({"detail": "too large"}, status=413)
    try:
        data = json.loads(request.POST.get("data", ""))
        household_id = int(data["household"])
        on = dt.date.fromisoformat(data.get("on") or "")
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "bad request", "errors": {"data": ["malformed visit"]}}, status=400)
    household = get_scoped_or_404(Household.objects.all(), request.user, "view", pk=household_id)
    try:
        visit, created = visits.visit_record(
            household=household, user=request.user, on=on, client_key=data.get("client_key", ""),
            met=str(data.get("met", "")), notes=str(data.get("notes", "")), facts=data.get("facts") or {},
            base_version=str(data.get("base_version", "")), risks=data.get("risks") or [],
            photos=request.FILES.getlist("photo"))
    except visits.VisitConflict as conflict:
        return JsonResponse({"detail": "conflict", "server": conflict.server, "mine": conflict.mine,
                             "version": conflict.version}, status=409)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return JsonResponse({"detail": "invalid", "errors": errors}, status=400)
    return JsonResponse({"id": visit.pk, "case": visit.case_id, "created": created}, status=201 if created else 200)


@login_required
def visits_due(request):
    """Visits made this month against visits due, by division (drill down to the villages) and by person
    responsible, over the viewer's region (for the leaders who check that the work is done)."""
    code = request.GET.get("division", "").strip()
    if code and not (code.isdigit() and len(code) == 12):
        raise Http404
    overview = selectors.visit_overview(user=request.user, today=timezone.localdate(), division_code=code)
    if overview is None:
        raise Http404
    return render(request, "field/due.html", {"o": overview, "people_shown": selectors.PEOPLE_SHOWN})


# ---------------------------------------------------------------- households' own reports (农户自主申报)

def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def report_form(request, token: str):
    """The public form behind the poster's QR code: no login, nothing of the registry, limited."""
    from django.utils import translation

    from . import reports
    from .models import ReportKind

    with translation.override("zh-hans"):
        village = reports.village_from_token(token)
        if village is None:
            raise Http404
        context = {"village": village.name, "kinds": ReportKind.choices, "values": {}, "errors": {}}
        status = 200
        if request.method == "POST":
            if int(request.META.get("CONTENT_LENGTH") or 0) > reports.MAX_BODY:
                return render(request, "field/report_form.html", {**context, "too_large": True}, status=413)
            if reports.over_limit(address=_client_address(request), village_code=village.code):
                return render(request, "field/report_form.html", {**context, "limited": True}, status=429)
            values = {k: request.POST.get(k, "")[:600] for k in ("name", "kind", "phone", "detail")}
            try:
                reports.report_submit(village=village, **values)
            except ValidationError as exc:
                context.update(values=values, errors={k: " ".join(v) for k, v in exc.message_dict.items()})
                status = 400
            else:
                return render(request, "field/report_thanks.html", {"village": village.name})
        response = render(request, "field/report_form.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def report_queue(request):
    """The township's queue of reports, with the possible household (for the cadre only)."""
    from .models import ReportStatus, SelfReport

    status = request.GET.get("status", ReportStatus.NEW)
    qs = (SelfReport.objects.restrict(request.user, "view").filter(status=status)
          .select_related("village", "suggested", "household", "case").order_by("created_at"))
    reports = list(qs[:500])
    # The call-back number, in clear only for those who handle the report (change scope); others see the mask.
    handles = {r.pk for r in SelfReport.objects.restrict(request.user, "change").filter(pk__in=[r.pk for r in reports])}
    for r in reports:
        r.callback = crypto.unseal(r.phone_enc) if r.pk in handles else r.phone_masked
    return render(request, "field/report_queue.html", {"reports": reports, "status": status,
                                                        "statuses": ReportStatus.choices})


@login_required
@require_POST
def report_handle(request, pk: int):
    from django.contrib import messages
    from django.shortcuts import redirect

    from . import reports
    from .models import SelfReport

    report = get_scoped_or_404(SelfReport.objects.all(), request.user, "change", pk=pk)
    action = request.POST.get("action")
    try:
        if action == "reject":
            reports.report_reject(report=report, user=request.user)
        elif action == "new_household":
            reports.report_confirm(report=report, user=request.user, new_household=True)
        else:
            number = request.POST.get("household_number", "").strip()
            household = (Household.objects.restrict(request.user, "change").filter(number=number).first()
                         if number else report.suggested)
            reports.report_confirm(report=report, user=request.user, household=household)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Report handled."))
    return redirect("field:report_queue")


@login_required
def poster(request, code: str):
    """A printable poster for one village: the QR code (SVG, drawn by segno) and the address."""
    import segno
    from django.utils import translation
    from django.utils.safestring import mark_safe

    from xiezuo.accounts.access import within
    from xiezuo.geo.models import Division

    from . import reports

    village = Division.objects.filter(code=code, level="village").first()
    if village is None or not within(request.user, code, "view"):
        raise Http404
    url = reports.public_url(request, code)
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    with translation.override("zh-hans"):
        return render(request, "field/poster.html", {"village": village, "url": url, "qr": mark_safe(svg)})  # noqa: S308 — segno's own SVG


@login_required
def measure_list(request):
    """Assistance measures in the user's scope, by year and county (the dashboard's source link)."""
    from django.core.paginator import Paginator

    from .models import Category

    qs = selectors.measure_list(user=request.user).select_related("household__village").order_by("-on", "-id")
    year, county, category = (request.GET.get(k, "") for k in ("year", "county", "category"))
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if county.isdigit() and len(county) <= 12:
        qs = qs.filter(household__village__code__startswith=county)
    if category in Category.values:
        qs = qs.filter(category=category)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(request, "field/measure_list.html", {"page": page, "query": query, "year": year,
                                                       "categories": Category.choices, "category": category})
