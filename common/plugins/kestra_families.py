"""Kestra's plugin families, for the error of a flow naming a type Podium does not have.

Each family is a repository kestra-io/plugin-<family> whose types are named
`io.kestra.plugin.<family>.<...>` (the list was taken from those repositories, December
2026; libraries such as plugin-git-lib and the plugin template are left out). Kestra's
plugin-jdbc is one repository of per-database modules, plugin-jdbc-<module>, whose types are
named `io.kestra.plugin.jdbc.<database>.<Class>`.
"""

from __future__ import annotations

KESTRA_FAMILIES = frozenset("""
    adanos ai aikido airbyte airflow airtable algolia alibaba amqp ansible anthropic apify argocd
    ashby aws azure beam camunda cassandra cerebras ceph clay clevercloud cloudflare cloudquery
    cobol compress confluence couchbase crypto dagger dagster databricks dataform datagen datahub
    dbt debezium deel deepseek digitalocean discord dlt docker documentdb dropbox elasticsearch
    email faktory fastly figma fivetran flink fs gcp gemini git github gitlab googleworkspace
    graalvm grafana graphql helm hex hightouch hubspot huawei huggingface influxdb jdbc jira jms
    kafka kestra klaviyo kubernetes kvm langchain4j ldap line linear linkedin liquibase malloy
    matrix meilisearch meta metaplane microsoft365 minio miro mistral modal monday mongodb mqtt
    n8n nats neo4j netskope nifi notifications notion odoo ollama openai opensearch opentofu
    opsgenie pagerduty payfit pennylane perplexity phpipam pinecone pipedrive playwright powerbi
    prefect prometheus proxmox pulsar pylon quickwit redis resend scripts scrapy scylladb selenium
    sentry servicenow serdes shopify sifflet singer skopeo slack snmp soda solace sonilo spark
    sqlmesh squadcast stripe supabase surrealdb telegram temporal tencent terraform terragrunt
    tika timefold todoist transform trello trivy twilio typesense weaviate
""".split())

# Kestra Enterprise Edition types are named io.kestra.plugin.ee.<...>.
KESTRA_ENTERPRISE = "ee"

# io.kestra.plugin.jdbc.<database> -> the module of Kestra's plugin-jdbc that provides it.
KESTRA_JDBC_MODULES = {
    database: f"plugin-jdbc-{database}" for database in """
        access as400 clickhouse db2 dremio druid duckdb mariadb mysql oracle pinot redshift
        rockset snowflake sqlite sqlserver sybase trino vectorwise vertica
    """.split()
} | {"postgresql": "plugin-jdbc-postgres"}
