"""The seed's generic CRUD helper, with the cheap form of each method beside the naive one.

Every method takes the Session first, as the seed's do. Filters are validated against the
model's mapped columns: an unknown name is a ``ValueError``, never SQL built from user text.
Writes only flush; committing is the caller's business (the harness rolls every round back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from querybench.payments.cache import QueryCache, default_cache
from querybench.payments.models import Base

ModelT = TypeVar("ModelT", bound=Base)
# Set-based writes keep loaded objects in step by evaluating the (simple, equality) criteria in
# Python. The default, "auto", pre-selects the matching keys where UPDATE has no RETURNING
# (MariaDB): a second statement that would make "one UPDATE" two.
_EVALUATE = {"synchronize_session": "evaluate"}
Filters = Mapping[str, object]


class QueryHelper(Generic[ModelT]):
    """CRUD over one mapped class: the seed's eight methods and their set-based twins."""

    def __init__(self, model: type[ModelT], *, cache: QueryCache | None = None) -> None:
        self.model = model
        mapper: Mapper[ModelT] = sa.inspect(model)
        # ORM attributes, not bare columns: the unit of work can evaluate criteria built on them.
        self._columns: dict[str, QueryableAttribute[Any]] = {
            attr.key: getattr(model, attr.key) for attr in mapper.column_attrs
        }
        (self._primary_key,) = mapper.primary_key
        self._primary_key_attribute = mapper.get_property_by_column(self._primary_key).key
        self._cache = cache

    # -- validation -------------------------------------------------------------------------

    def _column(self, name: str) -> QueryableAttribute[Any]:
        """The mapped column called ``name``, or a ValueError naming the ones that exist."""
        try:
            return self._columns[name]
        except KeyError:
            known = ", ".join(sorted(self._columns))
            raise ValueError(
                f"{self.model.__name__} has no column {name!r}; columns are: {known}"
            ) from None

    def _where(self, filters: Filters | None) -> list[ColumnElement[bool]]:
        """Equality criteria from ``filters``; a list or tuple value becomes ``IN``."""
        criteria: list[ColumnElement[bool]] = []
        for name, value in (filters or {}).items():
            column = self._column(name)
            if isinstance(value, list | tuple | set | frozenset):
                criteria.append(column.in_(list(value)))
            else:
                criteria.append(column == value)
        return criteria

    def _values(self, values: Filters) -> dict[str, object]:
        for name in values:
            self._column(name)
        return dict(values)

    def _invalidate(self) -> None:
        """A write makes every cached read of this model stale."""
        (self._cache or default_cache).invalidate(self.model)

    # -- reads ------------------------------------------------------------------------------

    def get_by_id(self, session: Session, id_: object) -> ModelT | None:
        """The row with primary key ``id_``, from the identity map when it is already there."""
        return session.get(self.model, id_)

    def get_by_id_query(self, session: Session, id_: object) -> ModelT | None:
        """The naive lookup: a fresh SELECT by primary key, even for a row the Session holds."""
        stmt = sa.select(self.model).where(self._primary_key == id_)
        return session.scalars(stmt).one_or_none()

    def get_all(self, session: Session, *, skip: int = 0, limit: int = 100) -> list[ModelT]:
        """One page of rows in primary-key order: the database returns only ``limit`` rows."""
        stmt = sa.select(self.model).order_by(self._primary_key).offset(skip).limit(limit)
        return list(session.scalars(stmt))

    def get_all_unpaginated(
        self, session: Session, *, skip: int = 0, limit: int = 100
    ) -> list[ModelT]:
        """The naive page: load every row, then slice in Python (the whole table is sent)."""
        rows = list(session.scalars(sa.select(self.model).order_by(self._primary_key)))
        return rows[skip : skip + limit]

    def get_by_filter(self, session: Session, filters: Filters) -> ModelT | None:
        """The first row (by primary key) matching every filter, or None."""
        stmt = sa.select(self.model).where(*self._where(filters)).order_by(self._primary_key)
        return session.scalars(stmt.limit(1)).first()

    def get_by_filter_loading_all(self, session: Session, filters: Filters) -> ModelT | None:
        """The naive form: load every matching row, keep the first (all are sent and built)."""
        stmt = sa.select(self.model).where(*self._where(filters)).order_by(self._primary_key)
        rows = session.scalars(stmt).all()
        return rows[0] if rows else None

    def get_all_by_filter(
        self,
        session: Session,
        filters: Filters | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        skip: int = 0,
        limit: int = 100,
    ) -> list[ModelT]:
        """Rows matching every filter, sorted (primary key breaks ties) and paginated in SQL."""
        stmt = sa.select(self.model).where(*self._where(filters))
        if order_by is not None:
            column = self._column(order_by)
            stmt = stmt.order_by(column.desc() if descending else column.asc())
        stmt = stmt.order_by(self._primary_key.desc() if descending else self._primary_key)
        return list(session.scalars(stmt.offset(skip).limit(limit)))

    def get_all_by_filter_in_python(
        self,
        session: Session,
        filters: Filters | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        skip: int = 0,
        limit: int = 100,
    ) -> list[ModelT]:
        """The naive twin: every matching row is loaded, then sorted and sliced in Python."""
        rows = list(session.scalars(sa.select(self.model).where(*self._where(filters))))
        key = self._primary_key_attribute
        rows.sort(key=lambda row: getattr(row, key), reverse=descending)
        if order_by is not None:
            self._column(order_by)
            attribute = order_by
            rows.sort(key=lambda row: getattr(row, attribute), reverse=descending)
        return rows[skip : skip + limit]

    def count(self, session: Session, filters: Filters | None = None) -> int:
        """``SELECT count(*)`` of the matching rows: one row crosses the wire."""
        stmt = sa.select(sa.func.count()).select_from(self.model).where(*self._where(filters))
        return int(session.scalar(stmt) or 0)

    def count_by_loading(self, session: Session, filters: Filters | None = None) -> int:
        """The naive count, ``len(query.all())``: every matching row is loaded to be counted."""
        return len(session.scalars(sa.select(self.model).where(*self._where(filters))).all())

    # -- writes -----------------------------------------------------------------------------

    def create(self, session: Session, values: Filters) -> ModelT:
        """Add one row and flush it, so its primary key is known."""
        row = self.model(**self._values(values))
        session.add(row)
        session.flush()
        self._invalidate()
        return row

    def create_one_by_one(self, session: Session, rows: Sequence[Filters]) -> int:
        """The naive bulk create: ``create`` in a loop, one flush (one INSERT) per row."""
        for values in rows:
            self.create(session, values)
        return len(rows)

    def create_many(self, session: Session, rows: Sequence[Filters]) -> int:
        """Insert every row in one executemany statement; no objects are built."""
        if rows:
            session.execute(sa.insert(self.model), [self._values(values) for values in rows])
            self._invalidate()
        return len(rows)

    def update(self, session: Session, row: ModelT, values: Filters) -> ModelT:
        """Set attributes on a loaded row and flush the change."""
        for name, value in self._values(values).items():
            setattr(row, name, value)
        session.flush()
        self._invalidate()
        return row

    def update_by_loading(self, session: Session, filters: Filters, values: Filters) -> int:
        """The naive bulk update: load the matching rows, set attributes, flush."""
        rows = list(session.scalars(sa.select(self.model).where(*self._where(filters))))
        for row in rows:
            for name, value in self._values(values).items():
                setattr(row, name, value)
        session.flush()
        self._invalidate()
        return len(rows)

    def update_where(self, session: Session, filters: Filters, values: Filters) -> int:
        """One ``UPDATE ... WHERE`` statement; returns the number of rows it matched."""
        stmt = sa.update(self.model).where(*self._where(filters)).values(self._values(values))
        result = session.execute(stmt, execution_options=_EVALUATE)
        self._invalidate()
        return int(getattr(result, "rowcount", 0))

    def delete(self, session: Session, row: ModelT) -> None:
        """Delete one loaded row and flush."""
        session.delete(row)
        session.flush()
        self._invalidate()

    def delete_by_loading(self, session: Session, filters: Filters) -> int:
        """The naive bulk delete: load the matching rows, delete each, flush."""
        rows = list(session.scalars(sa.select(self.model).where(*self._where(filters))))
        for row in rows:
            session.delete(row)
        session.flush()
        self._invalidate()
        return len(rows)

    def delete_where(self, session: Session, filters: Filters) -> int:
        """One ``DELETE ... WHERE`` statement; returns the number of rows it matched."""
        stmt = sa.delete(self.model).where(*self._where(filters))
        result = session.execute(stmt, execution_options=_EVALUATE)
        self._invalidate()
        return int(getattr(result, "rowcount", 0))
