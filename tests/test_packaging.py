"""The wheel we would publish: what it holds, and that it installs and migrates on its own.

The test builds the wheel from a copy of the working tree, checks its contents
against the files git knows of under ``oscar_privacy/``, installs it with the
``sandbox`` extra into a brand-new virtualenv, and runs the sandbox's ``check``
and ``migrate`` with that virtualenv's Python, from a directory holding only
``sandbox/`` (so the checkout's ``oscar_privacy`` cannot be imported), against a
fresh database: a temporary SQLite file, or a scratch PostgreSQL database when
``DATABASE_URL`` names PostgreSQL.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "oscar_privacy"

# Left out of the copy the wheel is built from: local state, never sources.
IGNORED_EVERYWHERE = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", "node_modules"}
IGNORED_IN = {
    ".": {".git", ".venv", ".tox", ".bench", "build", "dist"},
    "docs": {"_build"},
    "sandbox": {"media", "static", "private"},
}
IGNORED_SUFFIXES = (".pyc", ".pyo", ".sqlite3", ".sqlite3-journal", ".egg-info")

pytestmark = pytest.mark.slow


def run(cmd, *, timeout=900, **kwargs):
    """Run a command; on failure, fail the test with its output."""
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own commands
        [str(part) for part in cmd],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
    elapsed = time.monotonic() - started
    print(f"[{elapsed:6.1f}s] {' '.join(str(part) for part in cmd)}")  # noqa: T201 - shown on failure
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(str(part) for part in cmd)} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}",
            pytrace=False,
        )
    return result


def ignore_local_state(directory, names):
    here = Path(directory).resolve().relative_to(ROOT).as_posix()
    ignored = IGNORED_EVERYWHERE | IGNORED_IN.get(here, set())
    return {name for name in names if name in ignored or name.endswith(IGNORED_SUFFIXES)}


def package_files_in_git():
    """Paths (relative to the repository) of the files of oscar_privacy/ that git knows of.

    That is the files git tracks, plus the new ones not yet added that no
    .gitignore rule covers (so that a file about to be committed is checked
    before it is); files deleted in the working tree are left out, since the
    wheel is built from it. Outside a git checkout, every file but compiled Python.
    """
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        # Not a checkout (an unpacked sdist, say): every file but compiled Python.
        return {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / PACKAGE).rglob("*")
            if path.is_file()
            and "__pycache__" not in path.parts
            and path.suffix not in {".pyc", ".pyo"}
        }
    listed = run(
        ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        + ["--", PACKAGE]
    ).stdout
    return {path for path in listed.split("\0") if path and (ROOT / path).is_file()}


def can_build_without_isolation():
    """True if this environment has what setuptools needs to build a wheel offline."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    if importlib.util.find_spec("setuptools.command.bdist_wheel") is not None:
        return True  # setuptools >= 70.1 builds wheels on its own
    return importlib.util.find_spec("wheel") is not None


def database_url_kind():
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://", "pgsql://")) else "sqlite"


@pytest.fixture
def scratch_database_url(tmp_path):
    """A database URL naming a brand-new, empty database; dropped afterwards."""
    if database_url_kind() == "sqlite":
        yield f"sqlite:///{tmp_path / 'wheel.sqlite3'}"
        return

    import dj_database_url
    import psycopg
    from psycopg import sql

    url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(url)
    name = f"{config['NAME'] or 'oscar_privacy'}_wheel_{os.getpid()}"
    connect = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "autocommit": True,
    }
    connect = {key: value for key, value in connect.items() if value is not None}

    def drop():
        with psycopg.connect(**connect) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    drop()
    with psycopg.connect(**connect) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    # Replace the database name (the URL's path) and keep the rest.
    base, _, query = url.partition("?")
    scratch = base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    try:
        yield scratch
    finally:
        drop()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """(a) The wheel, built from a copy of the working tree.

    The build writes build/ and *.egg-info/ beside setup.py: better in a copy
    than in a checkout other runs may share.
    """
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=ignore_local_state)
    dist = work / "dist"
    build = [sys.executable, "-m", "build", "--wheel", "--outdir", dist]
    if can_build_without_isolation():
        build.append("--no-isolation")  # no network: this environment's setuptools
    run([*build, source])
    wheels = list(dist.glob("oscar_privacy-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_ships_the_whole_app_and_nothing_else(wheel):
    """(b) Every file of oscar_privacy/ in git (code, migrations, templates,
    catalogues, schemas...) is in the wheel, and nothing of the project around it."""
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if not name.endswith("/")}
    in_git = package_files_in_git()

    assert f"{PACKAGE}/__init__.py" in shipped
    assert f"{PACKAGE}/migrations/0001_initial.py" in shipped
    # Each kind of data file the app has in git is in the wheel (the checks
    # below cover each file; these name the kind that went missing).
    for kind in ("templates/", "static/", "locale/", "schemas/"):
        if any(path.startswith(f"{PACKAGE}/{kind}") for path in in_git):
            assert any(name.startswith(f"{PACKAGE}/{kind}") for name in shipped), (
                f"the wheel has nothing under {PACKAGE}/{kind}"
            )
    missing = sorted(in_git - shipped)
    assert not missing, f"in git under {PACKAGE}/ but not in the wheel (see MANIFEST.in): {missing}"
    # A catalogue is of no use without its compiled .mo (Django reads only those).
    uncompiled = sorted(
        path[:-3] + ".mo"
        for path in in_git
        if path.endswith(".po") and path[:-3] + ".mo" not in shipped
    )
    assert not uncompiled, f"compiled catalogues missing from the wheel: {uncompiled}"

    foreign = sorted(
        name
        for name in shipped
        if not name.startswith((f"{PACKAGE}/", "oscar_privacy-"))  # the .dist-info
    )
    assert not foreign, f"the wheel ships files outside {PACKAGE}/: {foreign}"
    for top in ("tests/", "sandbox/"):
        assert not any(name.startswith(top) for name in shipped), f"{top} is in the wheel"
    stray = sorted(name for name in shipped if name.endswith((".pyc", ".pyo", ".sqlite3")))
    assert not stray, f"the wheel ships local files: {stray}"


def test_the_wheel_installs_and_migrates_on_its_own(wheel, tmp_path, scratch_database_url):
    """(c) In a brand-new virtualenv, with only sandbox/ beside it."""
    started = time.monotonic()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    requirements = [f"{wheel}[sandbox]"]
    if database_url_kind() == "postgres":
        requirements.append("psycopg[binary]>=3.2")
    run([python, "-m", "pip", "install", "--disable-pip-version-check", *requirements])

    # Only sandbox/ in the project: the checkout's oscar_privacy is out of reach.
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "sandbox",
        project / "sandbox",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3*", *IGNORED_IN["sandbox"]),
    )
    assert not (project / PACKAGE).exists()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
        and not key.startswith("DJANGO_")
    }
    environment.update(
        DATABASE_URL=scratch_database_url,
        DJANGO_SETTINGS_MODULE="sandbox.settings",
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    manage = [python, project / "sandbox" / "manage.py"]
    options = {"cwd": project, "env": environment}

    located = run(
        [*manage, "shell", "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"], **options
    )
    module_file = Path(located.stdout.strip().splitlines()[-1]).resolve()
    assert module_file.is_relative_to(venv.resolve()), (
        f"{PACKAGE} was imported from {module_file}, not from the fresh virtualenv"
    )
    run([*manage, "check"], **options)
    migrated = run([*manage, "migrate", "--noinput"], **options).stdout
    # The app's own migrations ran, from the installed wheel.
    assert f"Applying {PACKAGE}.0001_initial... OK" in migrated, migrated

    print(f"install and migrate: {time.monotonic() - started:.1f}s")  # noqa: T201
    # pytest keeps the temporary directories of its last runs: not 400 MB each.
    shutil.rmtree(venv, ignore_errors=True)
