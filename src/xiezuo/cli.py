"""The `xiezuo` command: Django's management commands under one name.

Each app ships its own subcommands in `<app>/management/commands/`; `xiezuo --help`
lists Xiezuo's own first.
"""

from __future__ import annotations

import os
import sys

XIEZUO_COMMANDS_HINT = """\
Xiezuo commands (xiezuo COMMAND --help for each):
  demo       build a demo region's database (--region NAME) and serve it
  serve      serve the existing database on http://127.0.0.1:8000
  report     book figures and annual reports
  import     import a registry workbook or CSV
  export     export a list (xlsx, csv, parquet) or IATI
  template   write an import template
  worker     run queued background jobs (imports, exports, runs, reports, snapshots)
  jobs       list, show or cancel background jobs
  monitor    measurement runs (poverty status, FGT, MPI)
  snapshot   the measurement inputs for a year as county-partitioned Parquet
  cases      return-to-poverty monitoring cases
  token      API tokens
  keys       encryption keys for identity numbers
  migrate    create or update the database schema
"""


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"} and len(args) == 1:
        print(XIEZUO_COMMANDS_HINT)
        print("All commands (including Django's own): xiezuo help --all")
        return
    if args[:2] == ["help", "--all"]:
        args = ["help"]
    execute_from_command_line(["xiezuo", *args])


if __name__ == "__main__":
    main()
