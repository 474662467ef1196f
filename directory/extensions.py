"""Extensions, created unbound here and bound to each app in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# No default limits: each area says what it throttles. Counters live where
# RATELIMIT_STORAGE_URI says (memory:// by default, Redis in production).
limiter = Limiter(key_func=get_remote_address)
