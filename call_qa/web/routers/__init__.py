"""The routes of the web app, one router per audience; ``create_app`` includes them all.

- :mod:`~call_qa.web.routers.auth`: login, logout, the home redirect
- :mod:`~call_qa.web.routers.calls`: the calls list, a call's page, audio, overrides,
  the role swap, the original transcript
- :mod:`~call_qa.web.routers.review`: the review queue and calibration (QA officers)
- :mod:`~call_qa.web.routers.dashboard`: dashboard, coaching list, knowledge-base gaps
  (supervisors)
- :mod:`~call_qa.web.routers.admin`: users and the access log
- :mod:`~call_qa.web.routers.agents`: agents' own scorecards, acknowledgements and
  disputes; the officers' dispute queue
- :mod:`~call_qa.web.routers.calibration`: calibration sessions (blind scoring, agreement)
- :mod:`~call_qa.web.routers.exports`: CSV and XLSX of the calls list, dashboard tables,
  coaching list and knowledge-base gaps
"""

from __future__ import annotations

from call_qa.web.routers import admin, agents, auth, calibration, calls, dashboard, exports, review

# exports before calls: "/calls.csv" must not be read as a call id (it is not a /calls/ path,
# but keep the order explicit).
ROUTERS = (auth.router, exports.router, calls.router, review.router, dashboard.router, admin.router,
           agents.router, calibration.router)
