"""Fill msgstr entries of a .po file from a JSON map {msgid: msgstr} and compile it.

Usage: python tools/fill_po.py APP_DIR translations.json
Plural entries get the same translation for every form (Chinese has one form).
Only empty msgstr entries are filled; existing translations are kept.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


def _unquote(block: str) -> str:
    return "".join(json.loads(f'"{m}"') for m in re.findall(r'"((?:[^"\\]|\\.)*)"', block))


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fill(po_path: Path, table: dict[str, str]) -> int:
    text = po_path.read_text(encoding="utf-8")
    # makemessages glues the first entry to the header for zh_Hans, and marks the header fuzzy
    # (msgfmt then drops it); separate and un-fuzzy it.
    text = re.sub(r'("Plural-Forms:[^\n]*"\n)(?=[#m])', r"\1\n", text, count=1)
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', 1)
    entries = text.split("\n\n")
    filled = 0
    for i, entry in enumerate(entries):
        m = re.search(r'^msgid ((?:"[^\n]*"\n?)+)', entry, re.M)
        if not m:
            continue
        msgid = _unquote(m.group(1))
        if not msgid or msgid not in table:
            continue
        translation = table[msgid]
        if "msgid_plural" in entry:
            new, n = re.subn(r'^(msgstr\[\d\]) ""$', lambda mm, t=translation: f"{mm.group(1)} {_quote(t)}", entry, flags=re.M)
        else:
            new, n = re.subn(r'^msgstr ""\Z', f"msgstr {_quote(translation)}", entry.rstrip("\n"), flags=re.M)
        if n:
            entries[i] = new.replace("#, fuzzy\n", "")
            filled += 1
    po_path.write_text("\n\n".join(entries), encoding="utf-8")
    return filled


def main() -> None:
    app_dir, table_path = Path(sys.argv[1]), Path(sys.argv[2])
    table = json.loads(table_path.read_text(encoding="utf-8"))
    po = app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    print(f"{po}: filled {fill(po, table)} entries")
    subprocess.check_call(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)])


if __name__ == "__main__":
    main()
