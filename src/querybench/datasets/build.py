"""Building a dataset into a database: ownership check, tables, bulk load, digest, meta.

SQLite files are built once into the cache (a private file, journalling off) and copied into
place afterwards; servers and SQLite files holding other tables are built in place.
"""

from __future__ import annotations

import contextlib
import gc
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine

from querybench.datasets.cache import (
    cache_root,
    cached_path,
    copy_atomically,
    temporary_sibling,
    working_copy_path,
)
from querybench.datasets.connect import backend_errors, open_engine, parse_url
from querybench.datasets.digest import table_digests
from querybench.datasets.ownership import drop_owned, owned_tables
from querybench.datasets.probes import (
    META_TABLE_NAME,
    OWNER_MARK,
    dump_probes,
    meta_table,
    read_meta,
    write_meta,
)
from querybench.datasets.source import ProbeDocument, RowSource
from querybench.errors import BackendError

# Safe only on a private file nobody else reads until it is complete and renamed.
_FAST_PRAGMAS = (
    "PRAGMA journal_mode=OFF",
    "PRAGMA synchronous=OFF",
    "PRAGMA locking_mode=EXCLUSIVE",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-131072",
)


@dataclass(frozen=True)
class BuiltSource:
    """A row source built into a database, and what the build found and took.

    ``probes`` is the document the source's ``write`` returned, read back from
    ``querybench_meta``; ``digest`` the content digest over the source's tables.
    """

    url: URL
    name: str
    digest: str
    row_counts: dict[str, int]
    probes: ProbeDocument
    seconds: float
    from_cache: bool

    @property
    def rows(self) -> int:
        """Rows in all of the source's tables together."""
        return sum(self.row_counts.values())


def build_source(
    source: RowSource, url: str | URL | None = None, *, cache_dir: Path | None = None
) -> BuiltSource:
    """Build ``source`` into the database at ``url`` (None: ``<cache>/work/<name>.sqlite``).

    A SQLite file holding nothing but a querybench dataset is replaced whole by a copy of the
    cached build (built first if the cache lacks it, keyed by ``source.cache_key()``); engines
    already open on the file keep seeing the old one until disposed. Servers, and SQLite files
    holding other tables too, are built in place: only querybench's own tables (those its
    ``querybench_meta`` mark lists, whichever source built them) are dropped and recreated.

    Raises ``OwnershipError`` and changes nothing when the database holds a table of the
    source's that querybench did not create; ``BackendError`` when the URL is malformed, its
    driver missing, or its server unreachable.
    """
    started = time.perf_counter()
    root = cache_root(cache_dir)
    if url is None:
        target = working_copy_path(root, source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        url = URL.create("sqlite", database=str(target))
    target_url = parse_url(url)
    path = _sqlite_file(target_url)
    from_cache = False
    if path is not None and _replaceable(target_url, path, source):
        cached, from_cache = _cached_build(source, root)
        with backend_errors(target_url, "cannot write"):
            copy_atomically(cached, path)
    else:
        engine = open_engine(target_url)
        try:
            with backend_errors(target_url, "cannot build"), _gc_paused():
                _build_into(engine, source)
                # Statistics now, not whenever autovacuum gets to them: every run's plans are
                # then made from the same statistics of the same rows.
                analyse_tables(engine, [table.name for table in source.metadata.sorted_tables])
        finally:
            engine.dispose()
    return _describe(target_url, source, started, from_cache=from_cache)


def _sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for other backends and SQLite URIs (built in place)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:":
        # Each connection to it would see a different, empty database.
        raise BackendError(
            f"{url.render_as_string(hide_password=True)}: an in-memory SQLite database dies"
            " with its connection; give a file instead, like sqlite:///bench.sqlite"
        )
    if database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(database)


def _replaceable(url: URL, path: Path, source: RowSource) -> bool:
    """Whether the file may be replaced whole: absent, or holding only our tables."""
    if not path.exists():
        if not path.parent.is_dir():
            shown = url.render_as_string(hide_password=True)
            raise BackendError(f"{shown}: cannot write: folder {path.parent} does not exist")
        return True
    engine = open_engine(url)
    try:
        with backend_errors(url, "cannot open"), engine.connect() as conn:
            ours = owned_tables(conn, source.metadata.tables)
            present = sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    return set(present) <= set(ours)


def _cached_build(source: RowSource, root: Path) -> tuple[Path, bool]:
    """The cached SQLite build of ``source``, built now if missing; and whether it was there."""
    cached = cached_path(root, source)
    if cached.exists() and _valid_cache(cached, source):
        return cached, True
    cached.parent.mkdir(parents=True, exist_ok=True)
    private = temporary_sibling(cached, "build")
    engine = sa.create_engine(URL.create("sqlite", database=str(private)))
    event.listen(engine, "connect", _fast_pragmas)
    try:
        with _gc_paused():
            _build_into(engine, source)
        engine.dispose()
        private.replace(cached)
    finally:
        engine.dispose()
        with contextlib.suppress(FileNotFoundError):
            private.unlink()
    return cached, False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of rows are made and loaded.

    The rows hold no cycles, but each dict is a tracked container: with collection on, a large
    build spends a third of its time scanning them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fast_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    for pragma in _FAST_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _valid_cache(path: Path, source: RowSource) -> bool:
    """Whether a cached file is a complete build of this source (its cache key)."""
    engine = sa.create_engine(URL.create("sqlite", database=str(path)))
    try:
        with engine.connect() as conn:
            meta = read_meta(conn) or {}
    except exc.DBAPIError:
        return False
    finally:
        engine.dispose()
    return meta.get("state") == "complete" and meta.get("cache_key") == source.cache_key()


def analyse_tables(engine: Engine, names: list[str]) -> None:
    """Refresh the planner's statistics of ``names`` on a server (SQLite keeps none unless
    asked, and its ``sqlite_stat1`` table would be one more table not in our mark)."""
    if not names:
        return
    quote = engine.dialect.identifier_preparer.quote
    listed = ", ".join(quote(name) for name in names)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"ANALYZE {listed}")
    elif engine.dialect.name in ("mysql", "mariadb"):
        with engine.connect() as conn:
            conn.exec_driver_sql(f"ANALYZE TABLE {listed}").all()


def _build_into(engine: Engine, source: RowSource) -> None:
    """Replace our tables in ``engine``'s database by the source's rows, mark and describe them."""
    metadata = source.metadata
    with engine.begin() as conn:
        drop_owned(conn, owned_tables(conn, metadata.tables))
        # The mark goes in first: a build that dies half-way leaves tables a rebuild may drop.
        meta_table.create(conn)
        write_meta(
            conn,
            {
                "owner": OWNER_MARK,
                "owned_tables": json.dumps([table.name for table in metadata.sorted_tables]),
                "state": "building",
                "source_name": source.name,
                "cache_key": source.cache_key(),
                "seed": str(source.seed),
                "sizes": json.dumps(list(source.sizes)),
            },
        )
        metadata.create_all(conn)
        deferred = _deferred_indexes(conn, metadata)
        for index in deferred:
            index.drop(conn)
    with engine.begin() as conn:
        probes = source.write(conn)
        for index in deferred:
            index.create(conn)
        _advance_sequences(conn, metadata)
    with engine.begin() as conn:
        digest, counts = table_digests(conn, metadata)
        write_meta(
            conn,
            {
                "state": "complete",
                "content_digest": digest,
                "row_counts": json.dumps(counts, sort_keys=True),
                "probes": dump_probes(probes),
            },
        )


def _deferred_indexes(conn: Connection, metadata: sa.MetaData) -> list[sa.Index]:
    """Indexes to build after loading, once over all rows rather than maintained row by row.

    SQLite only: MariaDB refuses to drop an index a foreign key needs.
    """
    if conn.dialect.name != "sqlite":
        return []
    return [index for table in metadata.sorted_tables for index in table.indexes]


def _advance_sequences(conn: Connection, metadata: sa.MetaData) -> None:
    """Rows were inserted with explicit ids: move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        # pg_get_serial_sequence takes the table as SQL text, quoted; NULL (no sequence, or
        # an empty table) leaves setval's result NULL and nothing changed.
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), max({quote(column.name)}))"
                f" FROM {quote(table.name)}"
            ),
            {"table": quote(table.name), "column": column.name},
        )


def _describe(url: URL, source: RowSource, started: float, *, from_cache: bool) -> BuiltSource:
    engine = open_engine(url)
    try:
        with backend_errors(url, "cannot read"), engine.connect() as conn:
            meta = read_meta(conn) or {}
    finally:
        engine.dispose()
    if meta.get("state") != "complete":
        shown = url.render_as_string(hide_password=True)
        raise BackendError(f"{shown}: the build left no complete {META_TABLE_NAME}")
    return BuiltSource(
        url=url,
        name=source.name,
        digest=meta["content_digest"],
        row_counts=json.loads(meta["row_counts"]),
        probes=json.loads(meta["probes"]),
        seconds=time.perf_counter() - started,
        from_cache=from_cache,
    )
