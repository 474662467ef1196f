"""The JSON APIs under /api/v1/, open to any site (no account, GET only), but for the
matcher at POST /api/v1/match for link workers:

views.py    the public search at /api/v1/search, and the JSON error answers all share
match.py    the matcher, for link workers and their API tokens
cases.py    a link worker's cases: open one, read one (case_json)
referrals.py  a case's referrals: make one, change its status, read it (also as FHIR R4)
wellbeing.py  a case's wellbeing scores, for link workers, managers and their API tokens
oruk.py     the Open Referral UK 3.0 read API (its own blueprint, throttled per address)
openapi.py  the OpenAPI document of all three, its parameters and bodies from the request models
"""

from directory.web.api import cases, match, referrals, wellbeing  # noqa: F401  (routes)
from directory.web.api.oruk import blueprint as oruk_blueprint
from directory.web.api.views import blueprint

__all__ = ["blueprint", "oruk_blueprint"]
