"""Kestra's io.kestra.plugin.aws.s3 types: one module per type."""
