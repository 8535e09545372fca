"""Core task types, one module per Kestra plugin group; common/plugins/core.py lists them."""
