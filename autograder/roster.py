"""The class roster: who the students are, and who they are in the LMS.

``--roster roster.csv`` is a CSV file (UTF-8, UTF-8 with BOM, or CP932 as Excel writes it on
Japanese Windows) with a header row. Columns, matched case-insensitively (aliases in brackets):

=================  ===========================================================================
``student_id``     the university's student number; the id in the gradebook  [学籍番号, id number]
``name``           full name as the LMS shows it  [氏名, 名前, full name, student]
``email``          [email address, メールアドレス]
``moodle_id``      Moodle's participant id in this assignment (``123456`` or ``Participant
                   123456``, as in the offline grading worksheet's Identifier column)
                   [identifier, moodle participant]
``canvas_id``      Canvas user id  [canvas user id]
``sis_user_id``    Canvas SIS User ID
``sis_login_id``   Canvas SIS Login ID  [login]
``section``        Canvas section
=================  ===========================================================================

Only ``student_id`` is required; without it a ``SIS User ID`` column stands in, so Canvas's
own gradebook export (``Student, ID, SIS User ID, ...``) works as a roster as it is. An LMS
participant is matched by its LMS id when the roster has that column, else by name (Unicode
NFKC, spaces and case ignored; Canvas writes the name lower-case without punctuation, surname
first, so both orders are tried). A name shared by two roster rows matches nobody and is
reported.

``course collect`` / ``course grade`` also write what they learned about each LMS participant
into ``COURSE_DIR/participants.csv`` (same columns), which ``course export`` reads when no
``--roster`` is given.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, fields
from pathlib import Path

from .course import ConfigError
from .lms import STUDENT_ID, Participant

COLUMNS = ("student_id", "name", "email", "moodle_id", "canvas_id", "sis_user_id",
           "sis_login_id", "section")
ALIASES = {
    "student_id": ("student_id", "student id", "studentid", "学籍番号", "id number",
                   "idnumber", "student number"),
    "name": ("name", "full name", "fullname", "氏名", "名前", "student name", "student"),
    "email": ("email", "email address", "e-mail", "mail", "メールアドレス"),
    "moodle_id": ("moodle_id", "moodle participant", "moodle_participant", "identifier",
                  "participant"),
    "canvas_id": ("canvas_id", "canvas user id", "canvas_user_id"),
    "sis_user_id": ("sis_user_id", "sis user id"),
    "sis_login_id": ("sis_login_id", "sis login id", "login"),
    "section": ("section",),
}


@dataclass
class Student:
    student_id: str
    name: str = ""
    email: str = ""
    moodle_id: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    def lms_id(self, lms: str) -> str:
        return self.moodle_id if lms == "moodle" else self.canvas_id if lms == "canvas" else ""


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _canvas_forms(name: str) -> set[str]:
    words = [w for w in re.split(r"[\s,]+", unicodedata.normalize("NFKC", name)) if w]
    forms = set()
    for order in (words, words[::-1]):
        forms.add(re.sub(r"[^\w]|_", "", "".join(order)).casefold())
    return forms


def _moodle_id(value: str) -> str:
    m = re.search(r"(\d+)\s*$", value.strip())
    return m.group(1) if m else value.strip()


def _decode(raw: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{path}: neither UTF-8 nor CP932 (Shift_JIS) text; save it as "
                      "'CSV UTF-8' from Excel")


class Roster:
    def __init__(self, students: list[Student], notes: list[str] | None = None,
                 source: str = ""):
        self.students = {s.student_id: s for s in students}
        self.notes = notes or []
        self.source = source

    def student_ids(self) -> list[str]:
        return sorted(self.students)

    def match(self, p: Participant) -> tuple[str | None, str]:
        """(student id, how) for an LMS participant; (None, why not) when nobody matches."""
        by_id = [s for s in self.students.values() if s.lms_id(p.lms) == p.lms_id]
        if len(by_id) == 1:
            return by_id[0].student_id, f"{p.lms}_id"
        if len(by_id) > 1:
            return None, f"{len(by_id)} roster rows have {p.lms}_id {p.lms_id}"
        if p.lms == "moodle":
            want = {_norm(p.name)}
            got = [s for s in self.students.values() if s.name and _norm(s.name) in want]
        else:
            want = _canvas_forms(p.name)
            got = [s for s in self.students.values()
                   if s.name and _canvas_forms(s.name) & want]
        got = [s for s in got if not s.lms_id(p.lms) or s.lms_id(p.lms) == p.lms_id]
        if len(got) == 1:
            return got[0].student_id, "name"
        if len(got) > 1:
            return None, f"the name matches {len(got)} roster rows"
        return None, f"no roster row with this {p.lms}_id or name"


def load_roster(path: Path) -> Roster:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read roster {path}: {e.strerror}") from None
    reader = csv.reader(io.StringIO(_decode(raw, path), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ConfigError(f"{path} is empty; it needs a header row with student_id") from None
    where: dict[str, int] = {}
    notes: list[str] = []
    keys = [h.strip().casefold() for h in header]
    canvas_export = "sis user id" in keys and "id" in keys  # Canvas's gradebook export
    for i, (h, key) in enumerate(zip(header, keys)):
        if canvas_export and key == "id":
            where.setdefault("canvas_id", i)
            continue
        for col, names in ALIASES.items():
            if key in names and col not in where:
                where[col] = i
                break
        else:
            if h.strip():
                notes.append(f"roster column {h!r} not used")
    if "student_id" not in where and "sis_user_id" in where:
        where["student_id"] = where["sis_user_id"]
        notes.append("no student_id column: the SIS User ID is used as the student id")
    if "student_id" not in where:
        raise ConfigError(f"{path}: no student_id column (header {header}); the roster needs "
                          f"student_id and may have {', '.join(COLUMNS[1:])}. A Moodle "
                          "grading worksheet works once a student_id column is added")
    students: list[Student] = []
    seen: set[str] = set()
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row) or (row and row[0].strip() == "Points Possible"):
            continue  # blank lines; the second header row of Canvas's export
        vals = {col: (row[i].strip() if i < len(row) else "") for col, i in where.items()}
        sid = vals["student_id"]
        if not STUDENT_ID.match(sid):
            notes.append(f"roster line {n}: {sid!r} is not a valid student id (row skipped)")
            continue
        if sid in seen:
            notes.append(f"roster line {n}: student {sid} listed twice (second row skipped)")
            continue
        seen.add(sid)
        if vals.get("moodle_id"):
            vals["moodle_id"] = _moodle_id(vals["moodle_id"])
        students.append(Student(**vals))
    return Roster(students, notes, str(path))


def participants_file(course_dir: Path) -> Path:
    return course_dir / "participants.csv"


def write_students(path: Path, students: list[Student]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for s in sorted(students, key=lambda s: s.student_id):
            w.writerow([getattr(s, c) for c in COLUMNS])


def remember(course_dir: Path, roster: Roster | None, participants: dict[str, Participant]
             ) -> None:
    """Merge what this batch learned (student id ↔ LMS ids) into participants.csv."""
    if not participants and roster is None:
        return
    path = participants_file(course_dir)
    known = load_roster(path).students if path.exists() else {}
    for sid, p in participants.items():
        s = known.get(sid) or (roster.students.get(sid) if roster else None) or Student(sid)
        s = Student(**{f.name: getattr(s, f.name) for f in fields(Student)})
        s.name = s.name or p.name
        if p.lms == "moodle":
            s.moodle_id = p.lms_id
        elif p.lms == "canvas":
            s.canvas_id = p.lms_id
        known[sid] = s
    if roster is not None:
        for sid, s in roster.students.items():
            if sid not in known:
                known[sid] = s
            else:  # the roster's own values win where it has them
                k = known[sid]
                for c in COLUMNS[1:]:
                    if getattr(s, c):
                        setattr(k, c, getattr(s, c))
    write_students(path, list(known.values()))


def identities(course_dir: Path, roster_path: Path | None) -> Roster:
    """The roster for export: participants.csv, overlaid by ``--roster`` where given."""
    path = participants_file(course_dir)
    base = load_roster(path).students if path.exists() else {}
    if roster_path is not None:
        given = load_roster(roster_path)
        for sid, s in given.students.items():
            k = base.setdefault(sid, s)
            for c in COLUMNS[1:]:
                if getattr(s, c):
                    setattr(k, c, getattr(s, c))
    return Roster(list(base.values()))
