"""A suite for a schema no other code in the project knows: teachers, courses, students.

Written only with the public API (``from querybench import ...``), as a user would: three
models and a many-to-many, a builder that plants exact probes, two paired scenarios and one
single-variant scenario ("the code as it is"). Loaded by path, like ``benchmarks/*.py``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)

from querybench import BuildContext, Suite, read_source_probes

SIZES = (1, 10, 100)


class Base(DeclarativeBase):
    pass


enrollments = sa.Table(
    "enrollments",
    Base.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id"), primary_key=True),
    sa.Column("student_id", sa.ForeignKey("students.id"), primary_key=True),
)


class Teacher(Base):
    __tablename__ = "teachers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("teachers.id"))
    teacher: Mapped[Teacher] = relationship()
    students: Mapped[list[Student]] = relationship(
        secondary=enrollments, back_populates="courses", order_by="Student.id"
    )


class Student(Base):
    __tablename__ = "students"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    courses: Mapped[list[Course]] = relationship(
        secondary=enrollments, back_populates="students", order_by="Course.id"
    )


def build(connection: Connection, context: BuildContext) -> dict[str, Any]:
    """120 teachers and courses (course i taught by teacher i), 300 students; the course
    probed for N has exactly N students, every other course 3 drawn at random."""
    top = max(context.sizes)
    context.insert(Teacher, ({"id": i, "name": context.fake.name()} for i in range(1, top + 21)))
    context.insert(
        Course,
        ({"id": i, "title": f"course {i}", "teacher_id": i} for i in range(1, top + 21)),
    )
    context.insert(Student, ({"id": i, "name": context.fake.name()} for i in range(1, 301)))
    probe = {n: top + index + 1 for index, n in enumerate(context.sizes)}  # the last courses
    rows = [
        {"course_id": probe[n], "student_id": student}
        for n in context.sizes
        for student in range(1, n + 1)
    ]
    for course in range(1, top + 1):
        for student in context.rng.sample(range(1, 301), 3):
            rows.append({"course_id": course, "student_id": student})
    context.insert(enrollments, rows)
    return {"course_with_students": {str(n): course for n, course in probe.items()}}


suite = Suite("school", models=Base, dataset=build, sizes=SIZES)


def course_with(session: Session, n: int) -> int:
    """One course with exactly N students."""
    return int(read_source_probes(session.connection())["course_with_students"][str(n)])


def _course(course: Course) -> dict[str, Any]:
    return {"title": course.title, "teacher": course.teacher.name}


def naive(session: Session, n: int) -> list[dict[str, Any]]:
    """Lazy loads: one SELECT of the teacher per course."""
    courses = session.scalars(sa.select(Course).order_by(Course.id).limit(n))
    return [_course(course) for course in courses]


def eager(session: Session, n: int) -> list[dict[str, Any]]:
    """joinedload(Course.teacher): one SELECT."""
    stmt = sa.select(Course).options(joinedload(Course.teacher)).order_by(Course.id).limit(n)
    return [_course(course) for course in session.scalars(stmt)]


suite.scenario(
    "CourseRepository.courses_with_teacher",
    naive,
    eager,
    size_meaning="courses on the page",
    description="a page of courses, each with its teacher",
    growth={"naive": "linear", "eager": "constant"},
)


def _student(student: Student) -> dict[str, Any]:
    return {"name": student.name, "courses": [course.title for course in student.courses]}


def lazy(session: Session, n: int) -> list[dict[str, Any]]:
    """Lazy loads: one SELECT of the courses per student."""
    students = session.scalars(sa.select(Student).order_by(Student.id).limit(n))
    return [_student(student) for student in students]


def selectin(session: Session, n: int) -> list[dict[str, Any]]:
    """selectinload(Student.courses): two SELECTs."""
    stmt = sa.select(Student).options(selectinload(Student.courses)).order_by(Student.id)
    return [_student(student) for student in session.scalars(stmt.limit(n))]


suite.scenario(
    "StudentRepository.students_with_courses",
    lazy,
    selectin,
    size_meaning="students on the page",
    description="a page of students, each with their courses (many-to-many)",
)


def as_is(session: Session, course_id: int) -> list[str]:
    """The roster as the app builds it today: the course, then its students."""
    course = session.get(Course, course_id)
    assert course is not None
    return [student.name for student in course.students]


suite.scenario(
    "CourseRepository.roster",
    as_is,
    prepare=course_with,
    size_meaning="students of one course",
)
