"""Tabular specifications: what each importable/exportable entity's columns are.

A spec lists its columns once (header in Chinese and English, synonyms, type, coded
choices, required, notes) and the same list drives the template, header matching, cell
conversion, export and the round trip. Apps register their own specs:

    from xiezuo.dataio import specs
    specs.register(MySpec())          # usually from AppConfig.ready()

A spec subclasses `TabularSpec` and implements `plan()` (compare cleaned rows with the
database, report row problems, return the new and changed rows), `commit()` (write the
plan in bulk) and `export_queryset()` / `export_row()`. See docs/dataio.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from django.utils import translation

_REGISTRY: dict[str, TabularSpec] = {}


@dataclass(frozen=True)
class Column:
    """One column of a spec. `type` is one of TYPES; `choices` is a Django TextChoices class
    or a sequence of (code, zh, en)."""

    name: str
    zh: str
    en: str
    type: str = "str"
    required: bool = False
    choices: Any = None
    synonyms: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""
    max_length: int | None = None
    min_value: Any = None
    max_value: Any = None
    # extra (text, code) pairs read as a choice, or a function giving them when an import starts (data-driven:
    # the names of the deployment's own divisions)
    aliases: tuple[tuple[str, str], ...] | Callable[[], Iterable[tuple[str, str]]] = ()
    # a regular expression on the normalised header (`normalise_header`) for a family of headers no list can
    # hold, e.g. a fund column whose old header carried the partner province's name
    header_pattern: str = ""
    mask: str = ""  # "id", "phone" or "account": masked on export unless unmasked
    export: bool = True
    template: bool = True  # False: exported and read, but not in the blank template

    def header(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def note(self, lang: str = "zh") -> str:
        return (self.note_en if lang == "en" else self.note_zh) or ""

    def choice_rows(self) -> list[tuple[str, str, str]]:
        """(code, zh label, en label) for coded columns."""
        if self.choices is None:
            return []
        if hasattr(self.choices, "choices"):
            rows = []
            for code, label in self.choices.choices:
                with translation.override("zh-hans"):
                    zh = str(label)
                with translation.override("en"):
                    en = str(label)
                rows.append((code, zh, en))
            return rows
        return [tuple(c) for c in self.choices]


TYPES = ("str", "int", "decimal", "money", "date", "bool", "choice", "multichoice", "id_number", "division", "year")


@lru_cache(maxsize=4096)
def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"[\s\u3000_]+", "", s)
    s = s.replace("*", "").replace("※", "")
    return re.sub(r"\((必填|选填|required|optional)\)", "", s)


def normalise_header(text: Any) -> str:
    """Header text as compared: NFKC (full-width -> half-width), no spaces, no required
    markers or bracketed notes, lower case."""
    if text is None:
        return ""
    return _normalise(str(text))


class TabularSpec:
    """Base class for an importable and exportable entity."""

    entity: ClassVar[str] = ""
    title_zh: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    columns: ClassVar[Sequence[Column]] = ()
    #: order in which sheets of one workbook are processed (parents first)
    order: ClassVar[int] = 100
    #: the model whose rows are counted by tests and benchmarks
    model: ClassVar[Any] = None
    #: entities whose sheets the template workbook carries after this one's
    template_with: ClassVar[tuple[str, ...]] = ()

    def offered_to(self, user) -> bool:
        """Whether the import page offers this entity (and its template) to `user`; the spec's `plan` still
        refuses rows the user may not write."""
        return True

    # -- header matching ---------------------------------------------------------------
    def header_index(self) -> dict[str, Column]:
        cached = self.__dict__.get("_header_index")
        if cached is not None:
            return cached
        index: dict[str, Column] = {}
        for col in self.columns:
            for text in (col.zh, col.en, col.name, *col.synonyms):
                index.setdefault(normalise_header(text), col)
        self.__dict__["_header_index"] = index
        return index

    def match_headers(self, headers: Sequence[Any]) -> dict[int, Column]:
        index = self.header_index()
        found: dict[int, Column] = {}
        used: set[str] = set()
        patterns = [(re.compile(c.header_pattern), c) for c in self.columns if c.header_pattern]
        for i, h in enumerate(headers):
            text = normalise_header(h)
            col = index.get(text)
            if col is None and text:
                col = next((c for rx, c in patterns if rx.fullmatch(text)), None)
            if col is not None and col.name not in used:
                found[i] = col
                used.add(col.name)
        return found

    def required_missing(self, matched: Iterable[Column]) -> list[Column]:
        names = {c.name for c in matched}
        return [c for c in self.columns if c.required and c.name not in names]

    # -- to implement ------------------------------------------------------------------
    def plan(self, ctx, rows: list[ImportRow]) -> None:  # pragma: no cover - interface
        """Check rows against each other and the database; set row.action, row.diff, row errors."""
        raise NotImplementedError

    def commit(self, ctx, rows: list[ImportRow]) -> None:  # pragma: no cover - interface
        """Write rows whose action is "new" or "changed", in bulk, with audit rows."""
        raise NotImplementedError

    def export_queryset(self, *, user, params):  # pragma: no cover - interface
        raise NotImplementedError

    def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def export_rows(self, qs, *, unmask: bool) -> Iterator[dict[str, Any]]:
        """The export's rows: one model instance each (`export_row`). A spec whose columns are plain
        fields overrides this with a `values()` read (no instances: 3–4× faster at 100,000 rows)."""
        return (self.export_row(obj, unmask=unmask) for obj in qs.iterator(chunk_size=2000))


class _Rehearsal(Exception):
    """Raised inside the savepoint of `ServiceSpec.rehearse` to roll its trial write back."""


class ServiceSpec(TabularSpec):
    """A spec whose rows are written one by one through the owning app's services (their rules,
    scope checks and audit), for sheets of hundreds of rows rather than a registry's hundreds of
    thousands. `plan()` calls `rehearse()` on each new or changed row: the services run inside a
    savepoint that is rolled back, and what they refuse is reported on the row by `report()`;
    `commit()` runs the same `write()` for real in the importer's single transaction."""

    def col(self, name: str) -> Column:
        """The column called `name` (the first column when there is none, for row-wide problems)."""
        return next((c for c in self.columns if c.name == name), self.columns[0])

    def write(self, ctx, row: ImportRow) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def report(self, ctx, row: ImportRow, exc: Exception) -> None:  # pragma: no cover - interface
        """Put a ValidationError or PermissionDenied from the services on the row's cells."""
        raise NotImplementedError

    def rehearse(self, ctx, row: ImportRow) -> None:
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.db import transaction

        try:
            with transaction.atomic():
                self.write(ctx, row)
                raise _Rehearsal
        except _Rehearsal:
            pass
        except (ValidationError, PermissionDenied) as exc:
            self.report(ctx, row, exc)

    def commit(self, ctx, rows: list[ImportRow]) -> None:
        for row in rows:
            self.write(ctx, row)


@dataclass
class ImportRow:
    """A cleaned row: the spreadsheet's row number, cleaned values, raw values, outcome."""

    sheet: str
    number: int
    values: dict[str, Any]
    raw: list[Any]
    action: str = ""  # new, changed, unchanged, error, skipped
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    obj: Any = None  # the existing record, or the one to create
    errors: int = 0


def register(spec: TabularSpec) -> TabularSpec:
    if not spec.entity:
        raise ValueError("a spec needs an entity name")
    _REGISTRY[spec.entity] = spec
    return spec


def get(entity: str) -> TabularSpec:
    try:
        return _REGISTRY[entity]
    except KeyError:
        raise KeyError(entity) from None


def all_specs() -> list[TabularSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.entity))


ID_LIKE = re.compile(r"\s*[0-9]{17}[0-9Xx]\s*$")


def mask_value(kind: str, value: Any) -> str:
    """A cell as it may be kept (problem reports, job results): masked if its column is ("id", "phone",
    "account"), and an 18-character identity number under any heading too."""
    from xiezuo.accounts import crypto

    text = "" if value is None else str(value)
    if not kind and ID_LIKE.match(text):
        kind = "id"
    if not kind or not text:
        return text
    return {"id": crypto.mask_id_number, "phone": crypto.mask_phone, "account": crypto.mask_account}[kind](text)


def masked_headers() -> dict[str, str]:
    """Every header text (normalised) that names a masked column in any spec -> its mask kind."""
    out: dict[str, str] = {}
    for spec in all_specs():
        for text, col in spec.header_index().items():
            if col.mask:
                out.setdefault(text, col.mask)
    return out


def detect(headers: Sequence[Any]) -> tuple[TabularSpec | None, dict[int, Column]]:
    """The spec whose headers match best (at least half of its required columns and 2 columns)."""
    best: tuple[float, TabularSpec | None, dict[int, Column]] = (0.0, None, {})
    for spec in all_specs():
        matched = spec.match_headers(headers)
        if len(matched) < 2:
            continue
        missing = spec.required_missing(matched.values())
        required = [c for c in spec.columns if c.required]
        score = len(matched) / len(spec.columns) + (1.0 if not missing else 0.0) - len(missing) / max(len(required), 1)
        if score > best[0]:
            best = (score, spec, matched)
    return best[1], best[2]


Converter = Callable[[Any], Any]

RECORD_KEY = "record_key"


def record_key_column() -> Column:
    """The record's system key (its primary key), carried by every export of a sheet whose export masks
    a value or that has no natural key. On import a row with a key updates that record, so a masked
    value equal to the record's own mask is "unchanged" and a re-imported export never adds records.
    Not in the blank template: a new row has no key."""
    return Column(RECORD_KEY, "记录编号", "Record number", "int", min_value=1, max_value=2**62, template=False,
                  synonyms=("系统编号", "recordnumber", "recordkey"),
                  note_zh="系统生成，勿改：导出文件带此列，再导入时据此更新该记录；新增的行留空",
                  note_en="Set by the system, do not edit: a re-imported export updates the record it names; "
                          "leave empty for a new row")


def keyed_records(ctx, spec: TabularSpec, rows: Sequence[ImportRow], queryset) -> dict[int, Any]:
    """The records the rows' record numbers name, within `queryset` (the user's change scope). A number
    naming nothing there (another system's, a deleted record, another area's) is an error on its row."""
    from django.utils.translation import gettext as _

    keys = {r.values.get(RECORD_KEY) for r in rows if r.values.get(RECORD_KEY) is not None}
    found: dict[int, Any] = {}
    for chunk in _chunks(sorted(keys), 900):
        found.update((obj.pk, obj) for obj in queryset.filter(pk__in=chunk))
    column = next(c for c in spec.columns if c.name == RECORD_KEY)
    for row in rows:
        key = row.values.get(RECORD_KEY)
        if key is not None and key not in found:
            ctx.error(row, column, key, _("No record with this record number in your area (deleted, or from "
                                          "another file?): leave the record number empty to add the row as new."))
    return found


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
