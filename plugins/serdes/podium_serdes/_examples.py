"""The flow Kestra's Ion-to-X examples share: download the salaries CSV, average it by job
title in DuckDB (stored as ION), then convert that ION file with the type shown."""

from __future__ import annotations

from podium.sdk import Example

_DOWNLOAD = """\
  - id: download_csv
    type: io.kestra.plugin.core.http.Download
    description: salaries of data professionals from 2020 to 2023 (source ai-jobs.net)
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/salaries.csv
"""

_AVERAGE = """\
  - id: avg_salary_by_job_title
    type: io.kestra.plugin.jdbc.duckdb.Query
    inputFiles:
      data.csv: "{{ outputs.download_csv.uri }}"
    sql: |
      SELECT
        job_title,
        ROUND(AVG(salary),2) AS avg_salary
      FROM read_csv_auto('{{ workingDir }}/data.csv', header=True)
      GROUP BY job_title
      HAVING COUNT(job_title) > 10
      ORDER BY avg_salary DESC;
    store: true
"""


def salaries_example(title: str, flow_id: str, type_name: str, extra: str = "",
                     spaced: bool = False) -> Example:
    """That flow, its last task `result` of `type_name` (plus `extra`, YAML lines already
    indented as properties); `spaced` puts blank lines between the tasks, as Kestra's
    IonToCsv example does."""
    gap = "\n" if spaced else ""
    result = (f"  - id: result\n    type: {type_name}\n"
              f'    from: "{{{{ outputs.avg_salary_by_job_title.uri }}}}"\n{extra}')
    code = (f"id: {flow_id}\nnamespace: company.team\n{gap}tasks:\n"
            f"{_DOWNLOAD}{gap}{_AVERAGE}{gap}{result}")
    return Example(title=title, code=code)
