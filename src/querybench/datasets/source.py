"""Row sources: what fills a dataset's tables, whatever wrote the rows.

A ``RowSource`` names its tables (``metadata``), its seed and its sizes N, says what its build
depends on (``cache_key()``), and writes its rows on a connection, returning the probes to
store: a JSON-serialisable mapping a scenario's ``prepare`` reads back with
``read_source_probes``. ``build_source`` (in ``querybench.datasets.build``) does the rest:
ownership, tables, digest, ``querybench_meta`` and the SQLite build cache.

Three kinds exist: the payments builder (``PaymentsSource``), the schema-driven generator
(``querybench.datasets.schema``) and ``callable_source``, a user's own code (plain inserts,
factory_boy, polyfactory) wrapped as a source.
"""

from __future__ import annotations

import hashlib
import inspect
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import faker
import sqlalchemy as sa
from faker import Faker
from sqlalchemy.engine import Connection

#: What a source's ``write`` returns and ``read_source_probes`` gives back: JSON-serialisable
#: (str keys; str, int, float, bool, None, lists and mappings of them as values).
ProbeDocument = Mapping[str, Any]

#: Rows per INSERT statement: large enough that executemany dominates, small enough for memory.
CHUNK_ROWS = 10_000


@runtime_checkable
class RowSource(Protocol):
    """Something that fills the tables of ``metadata`` with seeded rows and names its probes."""

    @property
    def name(self) -> str:
        """The dataset's name: the default SQLite file is ``<cache>/work/<name>.sqlite``."""
        ...

    @property
    def seed(self) -> int:
        """The seed every random value derives from."""
        ...

    @property
    def sizes(self) -> tuple[int, ...]:
        """The sizes N the probes guarantee, ascending."""
        ...

    @property
    def metadata(self) -> sa.MetaData:
        """The tables the source fills; the build creates, owns and digests exactly these."""
        ...

    def cache_key(self) -> str:
        """A hash of everything the rows depend on (spec, builder version, library versions)."""
        ...

    def write(self, connection: Connection) -> ProbeDocument:
        """Insert every row (bulk Core inserts) into the created, empty tables; return probes."""
        ...


class _Spec(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def sizes(self) -> tuple[int, ...]: ...


class SpecFields:
    """``name``, ``seed`` and ``sizes`` of a row source, read from its ``spec`` (the part of
    :class:`RowSource` every source of this package shares; a subclass may override one)."""

    spec: _Spec

    @property
    def name(self) -> str:
        """The spec's name."""
        return self.spec.name

    @property
    def seed(self) -> int:
        """The spec's seed."""
        return self.spec.seed

    @property
    def sizes(self) -> tuple[int, ...]:
        """The spec's sizes."""
        return self.spec.sizes


def insert_rows(connection: Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert ``rows`` into ``table`` in executemany chunks of ``CHUNK_ROWS``; returns the count."""
    count = 0
    for chunk in chunked(rows, CHUNK_ROWS):
        connection.execute(sa.insert(table), chunk)
        count += len(chunk)
    return count


def chunked(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    """``rows`` in lists of at most ``size``."""
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class BuildContext:
    """What a user's builder function gets beside the connection.

    ``rng`` is ``random.Random(seed)`` and ``fake`` a Faker seeded with ``seed``: draw every
    value from them and the same seed writes the same rows. ``insert(table, rows)`` bulk-inserts
    (a ``Table`` or a mapped class) in chunks.
    """

    connection: Connection
    seed: int
    sizes: tuple[int, ...]
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(self.seed)

    def insert(self, target: sa.Table | type[Any], rows: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-insert ``rows`` into a table or a mapped class's table; returns the count."""
        table = target if isinstance(target, sa.Table) else sa.inspect(target).local_table
        return insert_rows(self.connection, table, rows)


#: A user's builder: writes rows through the connection, returns probes (or None for none).
BuilderFunction = Callable[[Connection, BuildContext], ProbeDocument | None]


@dataclass(frozen=True)
class CallableSource:
    """A ``RowSource`` made of a user's function (see ``callable_source``)."""

    name: str
    seed: int
    sizes: tuple[int, ...]
    metadata: sa.MetaData
    function: BuilderFunction
    version: str = "1"

    def cache_key(self) -> str:
        """Name, seed, sizes, version, the function's source text and Faker's version, hashed."""
        try:
            code = inspect.getsource(self.function)
        except (OSError, TypeError):  # built in, or defined where no source is kept
            code = getattr(self.function, "__qualname__", repr(type(self.function)))
        identity = "\n".join(
            [
                f"callable {self.name} seed {self.seed} sizes {list(self.sizes)}",
                f"version {self.version} faker {faker.VERSION}",
                f"tables {sorted(self.metadata.tables)}",
                code,
            ]
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:16]

    def write(self, connection: Connection) -> ProbeDocument:
        """Call the function; its probes (None: none) are what the build stores."""
        context = BuildContext(connection=connection, seed=self.seed, sizes=self.sizes)
        probes = self.function(connection, context)
        return dict(probes) if probes is not None else {}


def callable_source(
    metadata: sa.MetaData | type[Any],
    fn: BuilderFunction,
    *,
    name: str,
    seed: int = 0,
    sizes: Iterable[int] = (1, 10, 100),
    version: str = "1",
) -> CallableSource:
    """Wrap ``fn(connection, context)`` (plain code, factory_boy, polyfactory) as a row source.

    ``metadata`` is a ``MetaData`` or a declarative base (its ``metadata`` is taken). The build
    cache keys on the function's source text; bump ``version`` when its rows change for another
    reason (data files it reads, libraries it calls).
    """
    tables = metadata if isinstance(metadata, sa.MetaData) else metadata.metadata
    if not isinstance(tables, sa.MetaData):
        raise TypeError(f"callable_source: {metadata!r} is neither a MetaData nor a Base")
    return CallableSource(
        name=name,
        seed=seed,
        sizes=tuple(sorted(set(sizes))),
        metadata=tables,
        function=fn,
        version=version,
    )
