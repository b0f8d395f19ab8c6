"""Where call-qa keeps its state: one folder, created on first use (README "State").

The folder is ``$CALL_QA_HOME`` when set; else ``var/`` of the call-qa checkout the
command runs in (the working folder or one above it), so ``make demo`` and the tests
keep their state beside the code; else the per-user data folder
(``platformdirs.user_data_dir("call-qa")``: ``$XDG_DATA_HOME/call-qa``, by default
``~/.local/share/call-qa`` on Linux). Inside it:

- ``prefect/``: ``PREFECT_HOME`` (Prefect's profiles and the database of the temporary
  server a flow run starts), unless ``PREFECT_HOME`` is set;
- ``numba/``: ``NUMBA_CACHE_DIR`` (librosa's compiled code), unless it is set;
- ``call_qa.sqlite3``: the database when neither ``--db`` nor
  ``$CALL_QA_DATABASE_URL`` names one.

Nothing here imports Prefect or numba: :func:`prepare_environment` only has to run
before they are first imported.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

from call_qa.errors import ConfigError

ENV_VAR = "CALL_QA_HOME"
APP_NAME = "call-qa"
DATABASE_FILE = "call_qa.sqlite3"
#: Environment variables of the libraries that keep state, and their folder in the home.
LIBRARY_FOLDERS = {"PREFECT_HOME": "prefect", "NUMBA_CACHE_DIR": "numba"}


def checkout_root(start: Path | None = None) -> Path | None:
    """The call-qa source checkout that holds ``start`` (default: the working folder),
    recognised by its ``pyproject.toml`` naming the project ``call-qa``; None outside one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # someone else's broken file is not our checkout
        if name == APP_NAME:
            return folder
    return None


def state_home() -> Path:
    """The state folder (absolute; not created here, see :func:`prepare_environment`)."""
    given = os.environ.get(ENV_VAR)
    if given:
        return Path(given).expanduser().resolve()
    checkout = checkout_root()
    if checkout is not None:
        return checkout / "var"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).resolve()


def default_database_url() -> str:
    """``sqlite:///<state home>/call_qa.sqlite3``, the database when none is named."""
    return f"sqlite:///{(state_home() / DATABASE_FILE).as_posix()}"


def prepare_environment() -> Path:
    """Point Prefect and numba into the state folder (where their variables are unset)
    and create their folders with parents; returns the state folder.

    Prefect creates its home without parents and then fails, after minutes of retries,
    to open its server database; so the folders exist before Prefect looks. Raises
    :class:`ConfigError` naming the folder and ``CALL_QA_HOME`` when one cannot be made.
    """
    home = state_home()
    for variable, folder in LIBRARY_FOLDERS.items():
        path = Path(os.environ.setdefault(variable, str(home / folder))).expanduser()
        try:
            # owner-only: the home holds the default database and Prefect's run records
            if not home.exists():
                home.mkdir(mode=0o700, parents=True)
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create {path} ({variable}): {exc.strerror or exc}; "
                f"set {ENV_VAR} (or {variable}) to a writable folder"
            ) from None
    return home
