"""Metrics and health of every service: Prometheus metric definitions (`metrics`), the
progress-based `Health` object (`health`) and the management HTTP server serving
/metrics, /healthz and /readyz (`server`). Services record into `metrics.get()`; the
composition root (podium/observability.py) starts the server. Imports no service."""

from podium.common.observability.health import Health
from podium.common.observability.metrics import Metrics, get
from podium.common.observability.server import ManagementServer

__all__ = ["Health", "ManagementServer", "Metrics", "get"]
