"""PostgreSQL tasks (io.kestra.plugin.jdbc.postgresql), through psycopg 3."""
