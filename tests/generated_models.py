"""A schema no project code knows: self-reference, many-to-many, joined and single-table
inheritance, checks, enums, numerics, dates. The generator must build it with no code."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The test schema's base."""


class Role(enum.StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))

    parent: Mapped[Category | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[Category]] = relationship(back_populates="parent")


class Author(Base):
    __tablename__ = "authors"
    __table_args__ = (CheckConstraint("karma BETWEEN 0 AND 1000", name="karma_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=10))
    karma: Mapped[int] = mapped_column(Integer)
    joined: Mapped[datetime] = mapped_column(DateTime)

    posts: Mapped[list[Post]] = relationship(back_populates="author")
    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="owner")


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published')", name="post_status"),
        CheckConstraint("score >= 0", name="post_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    published: Mapped[date | None] = mapped_column(Date)

    author: Mapped[Author] = relationship(back_populates="posts")
    category: Mapped[Category | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(back_populates="post")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    posts: Mapped[list[Post]] = relationship(secondary=post_tags, back_populates="tags")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    body: Mapped[str] = mapped_column(String(500))

    post: Mapped[Post] = relationship(back_populates="comments")


class Employee(Base):
    """Joined-table inheritance: managers and engineers have tables of their own."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80))

    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "type",
        "polymorphic_identity": "employee",
    }


class Manager(Employee):
    __tablename__ = "managers"

    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    budget: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    reports: Mapped[list[Engineer]] = relationship(
        back_populates="manager", foreign_keys="Engineer.manager_id"
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    __tablename__ = "engineers"

    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(20))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("managers.id"))

    manager: Mapped[Manager | None] = relationship(
        back_populates="reports", foreign_keys=[manager_id]
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_identity": "engineer",
        "inherit_condition": id == Employee.id,
    }


class Vehicle(Base):
    """Single-table inheritance: cars and trucks share the vehicles table."""

    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    plate: Mapped[str] = mapped_column(String(12), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))

    owner: Mapped[Author] = relationship(back_populates="vehicles")

    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "vehicle",
    }


class Car(Vehicle):
    seats: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "car"}


class Truck(Vehicle):
    payload: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "truck"}
