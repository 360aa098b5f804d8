"""The benchmarks' own PostgreSQL databases: made on a first run, dropped on request."""


def server_and_name(url: str):
    """(the server's maintenance database URL, the database's name) of a postgres:// URL."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def create_database_if_missing(url: str) -> None:
    """A first run on a PostgreSQL server makes the bench's database (migrate fills it)."""
    import psycopg
    from psycopg import sql

    server, name = server_and_name(url)
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    server, name = server_and_name(url)
    if "bench" not in name:
        raise SystemExit(f"--fresh drops only a bench database, not {name!r}.")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
