"""Benchmarks: budgets measured on generated data, reported as a table and as JSON.

Run them with ``make bench``: PostgreSQL (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/oscar_privacy``; pytest-django creates
and drops the ``test_`` database), files ``bench_*.py`` (the normal test run,
``make test``, collects only ``test_*.py`` and skips them). Each benchmark
records its figures with the :func:`bench` fixture and fails when one is over
its budget, so ``make bench`` exits non-zero. At the end the figures are
printed as a table (name, measured, budget, ok) and written to
``.bench/results.json`` (``BENCH_RESULTS`` names another file)::

    {"generated_at": "...", "database": {"vendor": "postgresql", ...},
     "python": "3.11.2", "django": "5.2", "ok": true,
     "results": [{"name": "...", "measured": 0.61, "unit": "s", "budget": 2.0,
                  "budget_text": "≤ 2 s", "ok": true, "details": {...}}, ...]}

``measured`` and ``budget`` are numbers in ``unit``; ``budget`` is ``null``
for a figure kept for information.
"""

import datetime
import json
import os
import platform
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / ".bench" / "results.json")

_results = []
_database = {}


@pytest.fixture
def bench():
    """``bench(name, measured, unit, budget=None, ok=None, budget_text="", **details)``.

    Records one figure and returns whether it is within budget (``ok``
    defaults to ``measured <= budget``; a figure without a budget is ok).
    """
    from django.db import connection

    def record(name, measured, unit, budget=None, *, ok=None, budget_text="", **details):
        if not _database:
            _database.update(
                vendor=connection.vendor,
                name=connection.settings_dict["NAME"],
                server_version=connection.Database.sqlite_version
                if connection.vendor == "sqlite"
                else getattr(connection, "pg_version", None),
            )
        if ok is None:
            ok = budget is None or measured <= budget
        if not budget_text and budget is not None:
            budget_text = f"≤ {_number(budget)} {unit}"
        _results.append(
            {
                "name": name,
                "measured": measured,
                "unit": unit,
                "budget": budget,
                "budget_text": budget_text or "(information)",
                "ok": bool(ok),
                "details": details,
            }
        )
        return bool(ok)

    return record


def _number(value):
    if isinstance(value, float):
        return f"{value:.3g}" if value < 10 else f"{value:.1f}"
    return str(value)


def pytest_sessionfinish(session, exitstatus):
    if not _results:
        return  # not a benchmark run (make test loads this file too)
    import django

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": _database,
        "python": platform.python_version(),
        "django": django.get_version(),
        "ok": all(result["ok"] for result in _results) and exitstatus == 0,
        "results": _results,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def pytest_terminal_summary(terminalreporter):
    if not _results:
        return
    rows = [("name", "measured", "budget", "ok")] + [
        (
            result["name"],
            f"{_number(result['measured'])} {result['unit']}",
            result["budget_text"],
            "yes" if result["ok"] else "NO",
        )
        for result in _results
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    terminalreporter.write_sep("=", f"benchmarks on {_database.get('vendor', '?')}")
    for index, row in enumerate(rows):
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        terminalreporter.write_line(line.rstrip(), red=row[3] == "NO", bold=index == 0)
    terminalreporter.write_line(f"Results written to {RESULTS}")
