"""Extensions, created unbound here and bound to each app in create_app."""

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits: each app gets its own limiter, in directory/limits.py.
