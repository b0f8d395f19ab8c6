"""The routes of the web app, one router per audience; ``create_app`` includes them all.

- :mod:`~call_qa.web.routers.auth`: login, logout, the home redirect
- :mod:`~call_qa.web.routers.calls`: the calls list, a call's page, audio, overrides,
  the role swap, the original transcript
- :mod:`~call_qa.web.routers.review`: the review queue and calibration (QA officers)
- :mod:`~call_qa.web.routers.dashboard`: dashboard, coaching list, knowledge-base gaps
  and their CSV exports (supervisors)
- :mod:`~call_qa.web.routers.admin`: users and the access log
"""

from __future__ import annotations

from call_qa.web.routers import admin, auth, calls, dashboard, review

ROUTERS = (auth.router, calls.router, review.router, dashboard.router, admin.router)
