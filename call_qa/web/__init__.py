"""The call-qa web app (``call-qa serve``): FastAPI with server-rendered Jinja2 pages.

QA officers audit the automatic scorecards (calls list, call page with audio,
timeline, transcript and evidence, overrides, review queue, calibration); supervisors
follow interruptions, holds, transfers and dead air per agent, team and day, and get
the coaching list and knowledge-base gaps; admins manage users and read the access log.

The web layer reads the database the flows write and records decisions (overrides,
role swaps); it never scores on its own (architecture rule 10): re-scoring goes
through ``call_qa.rubric``. FastAPI is imported here only, and lazily::

    from call_qa.web import create_app
    app = create_app("sqlite:///var/call_qa.sqlite3")
"""

from __future__ import annotations

from typing import Any


def create_app(db_url: str | None = None, **kwargs: Any) -> Any:
    """The ASGI application on the database at ``db_url`` (see
    :func:`call_qa.web.app.create_app` for the options)."""
    from call_qa.web.app import create_app as _create

    return _create(db_url, **kwargs)
