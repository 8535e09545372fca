"""Core task types, one module per Kestra plugin group. Importing registers them."""

from common.plugins.tasks import debug, log  # noqa: F401
