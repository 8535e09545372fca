"""A small dbt project (a seed, a model, tests) put into the namespace files."""

from __future__ import annotations

from podium.common.storage import namespace_file_uri

PROJECT = {
    "dbt_project.yml": """
name: podium_demo
version: "1.0"
config-version: 2
profile: podium_demo
seed-paths: ["seeds"]
model-paths: ["models"]
test-paths: ["tests"]
""",
    "seeds/customers.csv": "id,name,country\n1,Ann,FR\n2,Bob,DE\n3,Cid,FR\n4,Dee,IT\n5,Eve,FR\n",
    "models/by_country.sql": """
select country, count(*) as customers
from {{ ref('customers') }}
group by country
""",
    "models/schema.yml": """
version: 2
models:
  - name: by_country
    columns:
      - name: country
        data_tests: [unique, not_null]
seeds:
  - name: customers
    columns:
      - name: id
        data_tests: [unique]
""",
}

# A singular test that fails: it returns the rows it finds wrong (here, every one).
FAILING_TEST = {"tests/no_customers.sql": "select * from {{ ref('customers') }} where id > 0\n"}


def put_project(storage, namespace: str, prefix: str = "", extra: dict | None = None) -> None:
    for path, text in {**PROJECT, **(extra or {})}.items():
        storage.put(namespace_file_uri(namespace, prefix + path), text.encode())

# The same test at severity warn: dbt succeeds and warns, the task ends WARNING.
WARNING_TEST = {"tests/no_customers.sql": "{{ config(severity='warn') }}\n"
                "select * from {{ ref('customers') }} where id > 0\n"}
