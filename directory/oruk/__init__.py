"""Open Referral UK: the standard read API under /api/v1/, and import and export.

The API is open (no key, any origin may read it) and throttled per client
address. `flask --app wsgi export-oruk` and `import-oruk` come with the blueprint.
"""

from flask import Blueprint

blueprint = Blueprint("oruk", __name__, url_prefix="/api/v1", cli_group=None)

from directory.oruk import api, commands  # noqa: E402,F401  (routes and commands)
