import os

import pytest

from sample_truth import ROOT

# Nothing in the tests may call home (docs/environment.md); numba needs a writable cache.
for key, value in {
    "HF_HUB_OFFLINE": "1",
    "PYANNOTE_METRICS_ENABLED": "false",
    "ORT_DISABLE_TELEMETRY": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "NUMBA_CACHE_DIR": str(ROOT / "var" / "numba"),
    # flows run in subprocesses start a temporary server: allow for a busy machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}.items():
    os.environ.setdefault(key, value)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect server/database for the whole session (~8 s)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect_home"))
    from prefect.testing.utilities import prefect_test_harness

    # a busy 2-core machine can need more than Prefect's 30 s to start the server
    with prefect_test_harness(server_startup_timeout=120):
        yield
