"""JDBC URL parsing and SQL scanning (statement splitting, named parameters): pure logic."""

from __future__ import annotations

import pytest

from podium_jdbc.sql import bind_named, split_statements
from podium_jdbc.url import JdbcUrlError, parse_jdbc_url


@pytest.mark.parametrize("url, expected", [
    ("jdbc:postgresql://db.example:5433/ny_taxi?sslmode=require&user=u",
     dict(driver="postgresql", host="db.example", port=5433, database="ny_taxi", user="u",
          params={"sslmode": "require", "user": "u"})),
    ("jdbc:postgresql://127.0.0.1:5432/", dict(host="127.0.0.1", port=5432, database=None)),
    ("jdbc:postgresql://h1:5432,h2:5432/db", dict(host="h1", port=5432, database="db")),
    ("jdbc:postgresql://[::1]:5432/db", dict(host="::1", port=5432, database="db")),
    ("jdbc:postgresql:local", dict(host=None, database="local")),
    ("jdbc:mysql://root:s%40cret@127.0.0.1:3306/shop?useSSL=false",
     dict(driver="mysql", host="127.0.0.1", port=3306, database="shop", user="root",
          password="s@cret", params={"useSSL": "false"})),
    ("jdbc:mariadb://host/db", dict(driver="mariadb", host="host", port=None, database="db")),
    ("jdbc:sqlite:/tmp/x.db", dict(driver="sqlite", path="/tmp/x.db", host=None)),
    ("jdbc:sqlite::memory:", dict(driver="sqlite", path=":memory:")),
    ("jdbc:duckdb:", dict(driver="duckdb", path="")),
    ("jdbc:duckdb:/data/w.duckdb?access_mode=READ_ONLY",
     dict(driver="duckdb", path="/data/w.duckdb", params={"access_mode": "READ_ONLY"})),
])
def test_jdbc_urls_parse(url, expected):
    parsed = parse_jdbc_url(url)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name


def test_in_memory_embedded_databases():
    assert parse_jdbc_url("jdbc:duckdb:").in_memory
    assert parse_jdbc_url("jdbc:sqlite::memory:").in_memory
    assert not parse_jdbc_url("jdbc:sqlite:a.db").in_memory


@pytest.mark.parametrize("url, scheme, message", [
    ("", None, "Rendered value of `url` is blank."),
    ("  ", "jdbc:postgresql", "Rendered value of `url` is blank."),
    ("postgresql://h/db", None, "not a JDBC URL"),
    ("jdbc:mysql://h/db", "jdbc:postgresql", "URL should start with `jdbc:postgresql`"),
    ("jdbc:postgresql://h:notaport/db", None, "bad host or port"),
])
def test_bad_urls_say_what_is_wrong(url, scheme, message):
    with pytest.raises(JdbcUrlError, match=message.replace("`", ".").replace("(", ".")):
        parse_jdbc_url(url, scheme)


def test_a_password_in_the_url_is_not_repeated_in_errors():
    with pytest.raises(JdbcUrlError) as raised:
        parse_jdbc_url("jdbc:mysql://root:hunter2@h/db", "jdbc:postgresql")
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("sql, statements", [
    ("select 1; select ';' ; -- x;y\n select $$a;b$$;",
     ["select 1", "select ';'", "-- x;y\n select $$a;b$$"]),
    ("CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;"
     " SELECT f()",
     ["CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
      "SELECT f()"]),
    ("create trigger t before insert on x for each row begin set new.a=1; "
     "if 1 then set new.b=2; end if; end; select 2",
     ["create trigger t before insert on x for each row begin set new.a=1; "
      "if 1 then set new.b=2; end if; end", "select 2"]),
    ("BEGIN; insert into t values (1); COMMIT;", ["BEGIN", "insert into t values (1)", "COMMIT"]),
    ("select case when a then 1 end from t; select 3;;", ["select case when a then 1 end from t",
                                                        "select 3"]),
    ("select 'it''s; here', \"a;b\" from `c;d`", ["select 'it''s; here', \"a;b\" from `c;d`"]),
    ("  ;\n ; ", []),
])
def test_scripts_split_into_statements(sql, statements):
    assert split_statements(sql) == statements


def test_named_parameters_become_positional_placeholders():
    sql = ("select * from t where a = :a and b::text = ':c' and c like '10%' "
           "and d = :d and e = :a -- :e")
    bound, values, missing = bind_named(sql, {"a": 1}, "%s", escape_percent=True)
    assert bound == ("select * from t where a = %s and b::text = ':c' and c like '10%%' "
                     "and d = %s and e = %s -- :e")
    assert values == [1, None, 1] and missing == ["d"]
    bound, values, _ = bind_named("select :x, '%'", {"x": "v"}, "?", escape_percent=False)
    assert (bound, values) == ("select ?, '%'", ["v"])
