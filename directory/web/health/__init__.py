"""Health checks for load balancers and orchestrators: is the process alive, and is it
ready for traffic. Open, not rate-limited, cheap, and nothing personal in them."""

from directory.web.health.views import blueprint

__all__ = ["blueprint"]
