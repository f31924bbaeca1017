"""The payments domain of the seed as SQLAlchemy 2.x typed declarative models.

The same models create their tables on SQLite, PostgreSQL and MariaDB. Enums are
stored as short strings (no native ENUM type) so that dropping the tables is all
the clean-up a backend needs, and timestamps are naive UTC with whole seconds,
because MariaDB's DATETIME keeps no fraction by default and the dataset digest
must be identical on every backend.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the payments models; its metadata is what the harness owns."""


class PaymentStatus(enum.StrEnum):
    """Life cycle of a payment, stored by value."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    REFUNDED = "refunded"


class PricingPlan(Base):
    """A subscription plan a user can be on."""

    __tablename__ = "pricing_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str] = mapped_column(String(16))

    users: Mapped[list[User]] = relationship(back_populates="plan")

    def __repr__(self) -> str:
        return f"PricingPlan(id={self.id!r}, name={self.name!r})"


class User(Base):
    """A customer; owns payments and may be on a pricing plan."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("pricing_plans.id"), index=True)

    plan: Mapped[PricingPlan | None] = relationship(back_populates="users")
    # Ordered so every loader strategy yields the same list: paired variants must agree.
    payments: Mapped[list[Payment]] = relationship(back_populates="user", order_by="Payment.id")

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r})"


class Payment(Base):
    """One charge of a user, identified at the processor by its Stripe payment id."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_user_id_status", "user_id", "status"),
        Index("ix_payments_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_payments_user_id_status, whose leading column it is.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(
            PaymentStatus,
            native_enum=False,
            length=16,
            values_callable=lambda statuses: [status.value for status in statuses],
            validate_strings=True,
        )
    )
    stripe_payment_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    user: Mapped[User] = relationship(back_populates="payments")

    def __repr__(self) -> str:
        return f"Payment(id={self.id!r}, status={self.status.value!r})"
