"""The annual report: an Excel workbook (a sheet per strand) and a PDF with Chinese text and charts.

Both formats are written from one `report_data(...)`, itself made of the indicator catalogue's
values (`values.py`), so every number in the report is the value of an indicator and can be
traced with the same filters on the dashboard. The report is the viewer's: titled with their
region (`accounts.region`) and computed within their scope; the CLI's (no user) covers the
installation's region. The PDF embeds Noto Sans SC (SIL OFL) from
the installed `pylopdf-fonts-zh-cn` package, subset by fpdf2; nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import translation

from xiezuo.web import numformat

from .catalogue import AREAS, CATALOGUE
from .dashboard import POVERTY_YEARS, _poverty_trend, region_children
from .values import Query, Value, memoised, values, values_by_child

SHEETS = (  # (sheet title, areas)
    ("贫困与监测 Poverty", ("poverty",)),
    ("资金项目 Funds", ("funds", "industry")),
    ("劳务协作 Labour", ("labour",)),
    ("消费帮扶 Consumption", ("consumption",)),
    ("人才交流 Talent", ("talent", "leadership")),
    ("结对帮扶 Pairings", ("pairing",)),
)


@dataclass
class ReportData:
    year: int
    values: dict[str, Value]
    counties: list[tuple[str, str]]  # (code, name) of the divisions compared (the region's children)
    by_county: dict[str, dict[str, object]] = field(default_factory=dict)  # indicator -> prefix -> value
    poverty_trend: dict = field(default_factory=dict)
    region: str = ""  # the viewer's division(s): 广元市, 青川县
    partner: str = ""  # the eastern partner province(s), from the division tree (`accounts.region.partner_title`)
    key_length: int = 6  # the compared divisions' code prefix length

    def v(self, code: str):
        return self.values[code].value


def report_data(*, year: int, user=None) -> ReportData:
    from xiezuo.accounts.region import partner_title, viewer_region
    from xiezuo.geo.models import PREFIX_LENGTH

    region = viewer_region(user)
    q = Query(year=year, prefix=region.prefix, user=user)
    children = region_children(region)
    key_length = PREFIX_LENGTH[children[0].level] if children else 6
    with memoised():
        vals = {v.indicator.code: v for v in values(q)}
        by_county = {code: (values_by_child(code, q, key_length) or {}) for code in CATALOGUE}
    return ReportData(year=year, values=vals, counties=[(d.code, d.name) for d in children], by_county=by_county,
                      poverty_trend=_poverty_trend(user, region), region=region.title("zh-hans"),
                      partner=partner_title("zh-hans"),
                      key_length=key_length)


def _fmt(v, decimals: int = 0) -> str:
    """A number as every page shows it (xiezuo.web.numformat): counts as integers, grouped by three."""
    return numformat.number(v, decimals) if decimals else numformat.count(v)


def _yi(v) -> str:
    """Yuan as 亿元 with two decimals (the book writes 33.6 亿 = 3.36 bn)."""
    return "—" if v is None else numformat.number(Decimal(v) / numformat.YI, 2)


def _unit(code: str) -> str:
    """The unit's Chinese name: the report is written in Chinese whatever the requester's language."""
    with translation.override("zh-hans"):
        return numformat.unit_label(code)


def narrative(data: ReportData) -> list[str]:
    """The report's paragraphs, each with its numbers (Chinese, as the book writes them)."""
    y, v = data.year, data.v
    if v("poor_people") == 0 and y > POVERTY_YEARS[0]:  # poverty eliminated: say so, not "0 people"
        first = data.poverty_trend["poor_people"][0]
        paras = [f"{y}年末，{data.region}建档立卡贫困人口已全部脱贫（{POVERTY_YEARS[0]}年末{_fmt(first)}人），"
                 f"防返贫监测对象{_fmt(v('monitoring_cases'))}户。"]
    else:
        paras = [
            f"{y}年末，{data.region}建档立卡贫困人口{_fmt(v('poor_people'))}人、{_fmt(v('poor_households'))}户，"
            f"贫困发生率{_fmt(v('incidence_pct'), 2)}%。",
        ]
    k = data.key_length
    high = sorted(((data.by_county["incidence_pct"].get(code[:k]), name) for code, name in data.counties
                   if data.by_county["incidence_pct"].get(code[:k])), reverse=True)[:3]
    if len(high) > 1:
        paras.append(f"贫困发生率最高的{'两三'[len(high) - 2]}个{'县区' if k == 6 else '地区'}："
                     + "、".join(f"{n}{_fmt(r, 2)}%" for r, n in high) + "。")
    if y < 2018:  # the three-year action plan's cumulative figures start in 2018
        return paras
    paras.append(
        f"2018年至{y}年，累计组织转移贫困人口就业{_fmt(v('placements_cumulative'))}人，建成扶贫车间"
        f"{_fmt(v('workshops'))}个、在{data.partner or '东部协作地区'}设立劳务协作工作站{_fmt(v('workstations'))}个，"
        f"东部职业学校就读学生{_fmt(v('vocational_students'))}人。")
    paras.append(
        f"消费帮扶累计销售{data.region}农特产品{_yi(v('sales_cumulative'))}亿元（{_fmt(v('sales_cumulative'), 2)}元）；"
        f"扶贫资金池累计注入{_fmt(v('fund_pool'), 2)}元。")
    paras.append(
        f"{y}年，财政援助资金计划{_fmt(v('aid_committed'), 2)}元、拨付{_fmt(v('aid_disbursed'), 2)}元，"
        f"协作项目{_fmt(v('projects'))}个；选派党政干部{_fmt(v('cadres_sent'))}人、专业技术人才"
        f"{_fmt(v('professionals_sent'))}人；防返贫监测对象{_fmt(v('monitoring_cases'))}户。")
    return paras


def write_annual_report(*, year: int, fmt: str, path: str, user=None) -> None:
    data = report_data(year=year, user=user)
    if fmt == "xlsx":
        write_xlsx(data, path)
    elif fmt == "pdf":
        write_pdf(data, path)
    else:
        raise ValueError("format must be xlsx or pdf")


# --- Excel ---------------------------------------------------------------------------------

def _num(v):
    return None if v is None else (float(v) if isinstance(v, Decimal) else v)


def write_xlsx(data: ReportData, path: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(path)
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    text = wb.add_format({"border": 1})
    fmts = {0: wb.add_format({"num_format": "#,##0", "border": 1}),
            2: wb.add_format({"num_format": "#,##0.00", "border": 1})}
    pct = wb.add_format({"num_format": "0.0\" %\"", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    ws = wb.add_worksheet("摘要 Summary")
    ws.set_column(0, 0, 110)
    ws.write(0, 0, f"{data.region}东西部协作年度报告 {data.year} · Annual report", title)
    for i, para in enumerate(narrative(data), start=2):
        ws.write(i, 0, para, wrap)

    def indicator_table(ws, row: int, codes: list[str]) -> int:
        cols = ["代码 code", "指标", "Indicator", "单位 unit", "数值 value", "目标 target", "完成 completion"]
        ws.write_row(row, 0, cols, head)
        for code in codes:
            row += 1
            v = data.values[code]
            ind = v.indicator
            ws.write_row(row, 0, [code, ind.name_zh, ind.name_en, _unit(ind.unit)], text)
            nf = fmts[2 if ind.decimals else 0]
            for col, x in ((4, v.value), (5, v.target)):
                if x is None:
                    ws.write_blank(row, col, None, nf)
                else:
                    ws.write_number(row, col, _num(x), nf)
            if v.completion_pct is None:
                ws.write_blank(row, 6, None, pct)
            else:
                ws.write_number(row, 6, float(v.completion_pct), pct)
        return row + 2

    def county_table(ws, row: int, codes: list[str]) -> int:
        ws.write_row(row, 0, ["县区代码 county", "县区"] + [CATALOGUE[c].name_zh for c in codes], head)
        for code, name in data.counties:
            row += 1
            ws.write_row(row, 0, [code, name], text)
            for j, c in enumerate(codes):
                x = data.by_county[c].get(code[:data.key_length])
                nf = fmts[2 if CATALOGUE[c].decimals else 0]
                if x is None:
                    ws.write_blank(row, 2 + j, None, nf)
                else:
                    ws.write_number(row, 2 + j, _num(x), nf)
        return row + 2

    for sheet, areas in SHEETS:
        ws = wb.add_worksheet(sheet)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 2, 30)
        ws.set_column(3, 10, 16)
        codes = [c for c, ind in CATALOGUE.items() if ind.area in areas]
        ws.write(0, 0, f"{sheet} · {data.year}", title)
        row = indicator_table(ws, 2, codes)
        countable = [c for c in codes if any(v is not None for v in data.by_county[c].values())]
        if countable:
            row = county_table(ws, row, countable)
        if "poverty" in areas:
            ws.write_row(row, 0, ["年份 year", "建档立卡贫困人口"], head)
            for y, n in zip(data.poverty_trend["years"], data.poverty_trend["poor_people"], strict=True):
                row += 1
                ws.write_number(row, 0, y, text)
                ws.write_number(row, 1, n, fmts[0])

    ws = wb.add_worksheet("指标与目标 Indicators")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 2, 34)
    ws.set_column(3, 6, 16)
    ws.write(0, 0, f"指标与协议目标 Indicators against targets · {data.year}", title)
    indicator_table(ws, 2, list(CATALOGUE))
    wb.close()


# --- PDF -----------------------------------------------------------------------------------

def font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.__file__).resolve().parent / "NotoSansSC-Regular.otf"


def _bar_chart(pdf, *, x: float, y: float, w: float, h: float, labels: list[str], numbers: list[float],
               title: str) -> None:
    """A plain bar chart drawn with PDF primitives (text in the embedded CJK font)."""
    pdf.set_font("noto", size=10)
    pdf.set_xy(x, y)
    pdf.cell(w, 6, title)
    top, base = y + 8, y + h - 10
    peak = max([n for n in numbers if n] or [1])
    n = max(len(numbers), 1)
    slot = w / n
    pdf.set_draw_color(150, 150, 150)
    pdf.line(x, base, x + w, base)
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        bh = (base - top) * (value or 0) / peak
        pdf.set_fill_color(192, 80, 77)
        pdf.rect(x + i * slot + slot * 0.15, base - bh, slot * 0.7, bh, style="F")
        pdf.set_font("noto", size=6)
        pdf.set_xy(x + i * slot, base - bh - 4)
        pdf.cell(slot, 4, _fmt(value, 2) if value and value < 100 and value != int(value) else _fmt(value),
                 align="C")
        pdf.set_xy(x + i * slot, base + 1)
        pdf.cell(slot, 4, str(label), align="C")


ROW_STRIPE = (245, 247, 250)  # every other table row; the others are white


def write_pdf(data: ReportData, path: str) -> None:
    from fpdf import FPDF, FontFace

    pdf = FPDF(format="A4")
    pdf.set_title(f"{data.region}东西部协作年度报告 {data.year}")
    pdf.set_creator("Xiezuo")
    pdf.add_font("noto", fname=str(font_path()))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("noto", size=18)
    pdf.cell(0, 12, f"{data.region}东西部协作年度报告 {data.year}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", size=9)
    pdf.cell(0, 6, "Annual report: East–West cooperation", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("noto", size=11)
    for para in narrative(data):
        pdf.multi_cell(0, 7, para, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    y = pdf.get_y() + 4
    _bar_chart(pdf, x=15, y=y, w=85, h=60, labels=[str(yr)[2:] for yr in data.poverty_trend["years"]],
               numbers=data.poverty_trend["poor_people"], title="建档立卡贫困人口 2013–2020")
    inc = data.by_county["incidence_pct"]
    _bar_chart(pdf, x=110, y=y, w=85, h=60, labels=[name[:2] for _c, name in data.counties],
               numbers=[float(inc.get(c[:data.key_length]) or 0) for c, _n in data.counties],
               title=f"{data.region}各{'县区' if data.key_length == 6 else '地区'}贫困发生率 {data.year} (%)")
    pdf.set_y(y + 66)
    # fpdf2's table fills its cells with the current fill colour: the bars' dark red would
    # become every row's background, so the rows get their own light stripes
    pdf.set_fill_color(255, 255, 255)
    for area, label in AREAS.items():
        codes = [c for c, ind in CATALOGUE.items() if ind.area == area]
        pdf.set_font("noto", size=12)
        pdf.cell(0, 8, str(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("noto", size=9)
        with pdf.table(col_widths=(70, 22, 34, 34, 20), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
                       line_height=6, cell_fill_color=ROW_STRIPE, cell_fill_mode="ROWS",
                       headings_style=FontFace(emphasis=None, fill_color=(220, 230, 241))) as table:
            table.row(["指标", "单位", "数值", "目标", "完成%"])
            for code in codes:
                v = data.values[code]
                d = v.indicator.decimals
                table.row([v.indicator.name_zh, _unit(v.indicator.unit), _fmt(v.value, d), _fmt(v.target, d),
                           "" if v.completion_pct is None else f"{v.completion_pct}"])
        pdf.ln(3)
    pdf.output(path)


__all__ = ["write_annual_report", "report_data", "narrative", "POVERTY_YEARS"]
