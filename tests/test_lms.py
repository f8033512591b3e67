"""LMS intake and grades back out: Moodle and Canvas downloads, rosters, hostile archives and
folders, and the Moodle / Canvas / CSV exports parsed back and compared with the gradebook.

Every fixture zip is built here, byte by byte where the layout matters (CP932 member names
without the UTF-8 flag, symlink and device entries, a corrupt member), so each expectation is
what the fixture put in, never what the code under test produced.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import stat
import zipfile
from pathlib import Path

import pytest

from autograder import lms
from autograder.cli import main as course_main
from autograder.course import ConfigError
from autograder.lms import Found, Submissions, read_submission, safe_extract
from autograder.roster import load_roster

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
SOL = (SOLUTIONS / "ex01" / "ex01.ipynb").read_bytes()
REL = (ROOT / "exercises" / "ex01" / "ex01.ipynb").read_bytes()


def _nb(tag: str) -> bytes:
    """A small distinct notebook, so each collected file can be told apart by its bytes."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {"tag": tag},
                       "cells": []}).encode()


def build_zip(path: Path, members: list[tuple], cp932: bool = False) -> Path:
    """``members``: (name, data[, date_time[, mode]]). With ``cp932`` every non-ASCII name is
    stored as CP932 bytes WITHOUT the UTF-8 flag, as Japanese Windows tools write it."""
    swaps: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, m in enumerate(members):
            name, data = m[0], m[1]
            date = m[2] if len(m) > 2 and m[2] else (2024, 5, 1, 12, 0, 0)
            if cp932 and not name.isascii():
                raw = name.encode("cp932")
                stand_in = f"~{k:05d}~".ljust(len(raw), "x")[:len(raw)]
                assert len(stand_in) == len(raw)
                swaps.append((stand_in.encode(), raw))
                name = stand_in
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            if len(m) > 3 and m[3] is not None:
                info.external_attr = m[3] << 16
            zf.writestr(info, data)
    blob = path.read_bytes()
    for stand_in, raw in swaps:
        assert blob.count(stand_in) == 2  # local header + central directory
        blob = blob.replace(stand_in, raw)
    path.write_bytes(blob)
    return path


def _roster(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    cols = ["student_id", "name", "email", "moodle_id", "canvas_id", "sis_login_id"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


MOODLE_ROSTER = [
    {"student_id": "s1001", "name": "山田 太郎", "email": "yamada@example.ac.jp",
     "moodle_id": "", "canvas_id": "2001", "sis_login_id": "yamada"},
    {"student_id": "s1002", "name": "Mary Ann Smith", "email": "mary@example.ac.jp",
     "moodle_id": "Participant 1002", "canvas_id": "2002", "sis_login_id": "msmith"},
    {"student_id": "s1003", "name": "佐藤　花子", "email": "sato@example.ac.jp",  # full-width
     "moodle_id": "", "canvas_id": "2003", "sis_login_id": ""},
    {"student_id": "s1004", "name": "鈴木 一郎", "email": "", "moodle_id": "1004",
     "canvas_id": "", "sis_login_id": ""},
    {"student_id": "s1009", "name": "欠席 者", "email": "", "moodle_id": "",
     "canvas_id": "", "sis_login_id": ""},
]


# ----------------------------------------------------------------------------- Moodle


@pytest.mark.parametrize("cp932", [False, True], ids=["utf8-names", "cp932-names"])
def test_moodle_folders_with_roster(tmp_path, cp932):
    old, new = (2024, 5, 1, 10, 0, 0), (2024, 5, 2, 9, 30, 0)
    z = build_zip(tmp_path / "moodle.zip", [
        ("山田 太郎_1001_assignsubmission_file_/ex01.ipynb", _nb("yamada")),
        ("山田 太郎_1001_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>"),
        ("Mary Ann Smith_1002_assignsubmission_file_/ex01.ipynb", _nb("mary")),
        # two files: an early hand-in and a later resubmission named by the browser
        ("佐藤 花子_1003_assignsubmission_file_/ex01.ipynb", _nb("sato-old"), old),
        ("佐藤 花子_1003_assignsubmission_file_/ex01 (1).ipynb", _nb("sato-new"), new),
        ("鈴木 一郎_1004_assignsubmission_file_/課題1.ipynb", _nb("suzuki")),
        ("Unknown Person_1099_assignsubmission_file_/ex01.ipynb", _nb("unknown")),
    ], cp932=cp932)
    roster = load_roster(_roster(tmp_path / "roster.csv", MOODLE_ROSTER))
    with Submissions(z, "ex01", "ex01.ipynb", roster) as d:
        assert d.layout == "moodle"
        got = {f.student: (read_submission(f) if f.path else None) for f in d.found}
        notes = "\n".join(d.notes)
        fnotes = {f.student: " ".join(f.notes) for f in d.found}
    assert got == {"s1001": _nb("yamada"), "s1002": _nb("mary"), "s1003": _nb("sato-new"),
                   "s1004": _nb("suzuki"), "moodle-1099": _nb("unknown"), "s1009": None}
    assert "moodle participant 1099 (Unknown Person): not on the roster" in notes
    assert "missing (on the roster, no notebook handed in): s1009" in notes
    assert "onlinetext" in notes
    assert "2 notebooks handed in" in fnotes["s1003"] and "ex01 (1).ipynb" in fnotes["s1003"]
    assert "matched by name" in fnotes["s1001"] and "matched by moodle_id" in fnotes["s1002"]
    assert "課題1.ipynb" in fnotes["s1004"]  # taken although named differently, and said so


def test_moodle_flat_files_and_blind_marking_without_roster(tmp_path):
    z = build_zip(tmp_path / "flat.zip", [
        ("山田 太郎_1001_assignsubmission_file_ex01.ipynb", _nb("yamada")),
        ("山田 太郎_1001_assignsubmission_onlinetext_onlinetext.html", b"<p>x</p>"),
        ("Participant_1005_assignsubmission_file_ex01.ipynb", _nb("blind")),
        ("Mary Ann Smith_1002_assignsubmission_file_report.pdf", b"%PDF"),
    ])
    with Submissions(z, "ex01", "ex01.ipynb") as d:
        got = {f.student: (read_submission(f) if f.path else None) for f in d.found}
        notes = "\n".join(d.notes)
        fnotes = {f.student: " ".join(f.notes) for f in d.found}
    assert got == {"moodle-1001": _nb("yamada"), "moodle-1005": _nb("blind"),
                   "moodle-1002": None}
    assert "report.pdf" in notes and "not a notebook" in notes
    assert "no notebook in the hand-in" in fnotes["moodle-1002"]


def test_collect_moodle_zip_cli_writes_participants(tmp_path, capsys):
    z = build_zip(tmp_path / "m.zip", [
        ("山田 太郎_1001_assignsubmission_file_/ex01.ipynb", SOL),
        ("Mary Ann Smith_1002_assignsubmission_file_/ex01.ipynb", REL),
    ], cp932=True)
    roster = _roster(tmp_path / "r.csv", MOODLE_ROSTER, encoding="cp932")  # Excel on Windows
    course = tmp_path / "course"
    code = course_main(["collect", "ex01", "--submissions", str(z), "--roster", str(roster),
                        "--course-dir", str(course), "--solutions", str(SOLUTIONS)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "layout: moodle" in out and "collected 2" in out
    assert (course / "submitted" / "s1001" / "ex01" / "ex01.ipynb").read_bytes() == SOL
    assert (course / "submitted" / "s1002" / "ex01" / "ex01.ipynb").read_bytes() == REL
    assert "s1003" in out and "s1004" in out and "s1009" in out  # listed as missing
    rows = {r["student_id"]: r for r in csv.DictReader(
        (course / "participants.csv").open(encoding="utf-8"))}
    assert rows["s1001"]["moodle_id"] == "1001" and rows["s1001"]["name"] == "山田 太郎"
    assert rows["s1002"]["moodle_id"] == "1002" and rows["s1002"]["canvas_id"] == "2002"


# ----------------------------------------------------------------------------- Canvas


def test_canvas_zip_late_resubmission_and_roster(tmp_path):
    z = build_zip(tmp_path / "submissions.zip", [
        ("yamadataro_late_2001_9001_ex01.ipynb", _nb("y-first"), (2024, 5, 3, 10, 0, 0)),
        ("yamadataro_late_2001_9002_ex01-1.ipynb", _nb("y-late"), (2024, 5, 4, 10, 0, 0)),
        ("smithmaryann_2002_9003_ex01.ipynb", _nb("mary")),
        ("satohanako_2003_9004_notes.txt", b"notes"),
        ("nobody_2999_9999_ex01.ipynb", _nb("nobody")),
    ])
    roster = load_roster(_roster(tmp_path / "roster.csv", MOODLE_ROSTER))
    with Submissions(z, "ex01", "ex01.ipynb", roster) as d:
        assert d.layout == "canvas"
        got = {f.student: (read_submission(f) if f.path else None) for f in d.found}
        notes = "\n".join(d.notes)
        fnotes = {f.student: " ".join(f.notes) for f in d.found}
    assert got == {"s1001": _nb("y-late"), "s1002": _nb("mary"), "s1003": None,
                   "s1004": None, "s1009": None, "nobody": _nb("nobody")}
    assert "canvas marked this submission late" in fnotes["s1001"]
    assert "2 notebooks handed in" in fnotes["s1001"]
    assert "canvas participant 2999 (nobody): not on the roster" in notes
    assert "notes.txt" in notes
    assert "missing (on the roster, no notebook handed in): s1003, s1004, s1009" in notes


def test_canvas_without_roster_keeps_the_login_name(tmp_path):
    z = build_zip(tmp_path / "c.zip", [("alice_12345_67890_ex01.ipynb", _nb("a")),
                                      ("bob_late_2222_3333_ex01.ipynb", _nb("b"))])
    with Submissions(z, "ex01", "ex01.ipynb") as d:
        assert {f.student: read_submission(f) for f in d.found} == {"alice": _nb("a"),
                                                                    "bob": _nb("b")}


# ----------------------------------------------------------------------------- member names


def test_cp932_and_utf8_member_names_extract_with_the_right_names(tmp_path):
    names = ["提出物/山田 太郎/ex01.ipynb", "提出物/ｶﾀｶﾅ①/ex01.ipynb"]
    for cp932 in (False, True):
        z = build_zip(tmp_path / f"n{cp932}.zip", [(n, _nb(n)) for n in names], cp932=cp932)
        with zipfile.ZipFile(z) as zf:  # the fixture really has (or lacks) the UTF-8 flag
            assert all(bool(i.flag_bits & 0x800) is (not cp932) for i in zf.infolist())
        dest = tmp_path / f"out{cp932}"
        dest.mkdir()
        assert safe_extract(z, dest) == []
        for n in names:
            assert (dest / n).read_bytes() == _nb(n)


def test_macos_nfd_names_become_nfc(tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "がくせい/ex01.ipynb")
    assert nfd != "がくせい/ex01.ipynb"
    z = build_zip(tmp_path / "mac.zip", [(nfd, b"x"), ("__MACOSX/._x", b"junk")])
    dest = tmp_path / "o"
    dest.mkdir()
    safe_extract(z, dest)
    assert (dest / "がくせい" / "ex01.ipynb").read_bytes() == b"x"


# ----------------------------------------------------------------------------- hostile zips


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_hostile_zip_entries_are_notes_and_nothing_escapes(tmp_path, monkeypatch):
    monkeypatch.setattr(lms, "MAX_MEMBER_BYTES", 1 << 20)
    z = build_zip(tmp_path / "evil.zip", [
        ("alice/ex01.ipynb", _nb("alice")),
        ("link/ex01.ipynb", b"/etc/passwd", None, stat.S_IFLNK | 0o777),
        ("fifo/ex01.ipynb", b"", None, stat.S_IFIFO | 0o644),
        ("dev/ex01.ipynb", b"", None, stat.S_IFCHR | 0o644),
        ("../escape.ipynb", _nb("x")),
        ("/abs/escape.ipynb", _nb("x")),
        ("C:/win/escape.ipynb", _nb("x")),
        ("bomb/ex01.ipynb", b"\0" * (3 << 20)),
        ("crc/ex01.ipynb", b"CORRUPT-ME" * 200),
        ("alice/ex01.ipynb", _nb("second")),
    ])
    blob = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("crc/ex01.ipynb")
    data_at = info.header_offset + 30 + len(info.filename.encode())
    blob[data_at + 5] ^= 0xFF  # inside the compressed data: inflate or CRC fails
    z.write_bytes(bytes(blob))
    dest = tmp_path / "x" / "dest"
    dest.mkdir(parents=True)
    notes = "\n".join(safe_extract(z, dest))
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == ["alice/ex01.ipynb"]
    assert (dest / "alice" / "ex01.ipynb").read_bytes() == _nb("alice")
    for name, why in [("link/ex01.ipynb", "symbolic link"), ("fifo/ex01.ipynb", "special"),
                      ("dev/ex01.ipynb", "special"), ("../escape.ipynb", "unsafe path"),
                      ("/abs/escape.ipynb", "unsafe path"), ("C:/win/escape.ipynb", "unsafe"),
                      ("bomb/ex01.ipynb", "size limit"), ("crc/ex01.ipynb", "corrupt"),
                      ("alice/ex01.ipynb", "appears twice")]:
        assert any(name in line and why in line for line in notes.splitlines()), (name, notes)
    assert not list(tmp_path.glob("**/escape.ipynb"))


def test_not_a_zip_is_a_configuration_error_that_says_what_to_do(tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with (pytest.raises(ConfigError, match="download it again|neither a folder nor a zip"),
          Submissions(bad, "ex01", "ex01.ipynb")):
        pass


# ----------------------------------------------------------------------------- hostile folders


def test_links_and_special_files_in_a_submission_folder_are_never_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.ipynb"
    secret.write_bytes(_nb("SECRET"))
    subs = tmp_path / "subs"
    for s in ("alice", "bob", "carol", "erin", "frank"):
        (subs / s).mkdir(parents=True)
    (subs / "alice" / "ex01.ipynb").write_bytes(_nb("alice"))
    (subs / "alice" / ".other.ipynb").write_bytes(_nb("hidden"))
    (subs / ".DS_Store").write_bytes(b"junk")
    (subs / "bob" / "ex01.ipynb").symlink_to(secret)  # symlink to a file outside
    os.link(secret, subs / "carol" / "ex01.ipynb")  # hard link to a file outside
    (subs / "dave").symlink_to(outside, target_is_directory=True)  # symlinked folder
    os.mkfifo(subs / "erin" / "ex01.ipynb")  # opening it would block
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(subs / "frank" / "ex01.ipynb"))
        (subs / "zed_ex01.ipynb").symlink_to(secret)  # flat file that is a link
        with Submissions(subs, "ex01", "ex01.ipynb") as d:
            got = {f.student: (read_submission(f) if f.path else None) for f in d.found}
            notes = "\n".join(d.notes + [n for f in d.found for n in f.notes])
    finally:
        sock.close()
    # every student still gets a row (graded as missing), none of them reads the secret
    assert got == {"alice": _nb("alice"), "bob": None, "carol": None, "dave": None,
                   "erin": None, "frank": None, "zed": None}
    for what in ("'ex01.ipynb': a symbolic link", "a hard link (2 names)", "'dave': a symbolic",
                 "a FIFO", "a socket", "'zed_ex01.ipynb': a symbolic link",
                 "alice/'.other.ipynb': hidden"):
        assert what in notes, (what, notes)
    assert ".DS_Store" not in notes  # known junk is not worth a line


def test_read_submission_refuses_what_discovery_did_not_vouch_for(tmp_path):
    outside = tmp_path / "secret.ipynb"
    outside.write_bytes(b"SECRET")
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "a" / "nb.ipynb").symlink_to(outside)
    (root / "b").symlink_to(tmp_path, target_is_directory=True)  # a folder swapped for a link
    for path in (root / "a" / "nb.ipynb", root / "b" / "secret.ipynb", outside):
        with pytest.raises(OSError):
            read_submission(Found("x", path, [], root))


# ----------------------------------------------------------------------------- roster


def test_roster_needs_student_id_and_reports_bad_rows(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("name,email\nA,a@x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="student_id"):
        load_roster(p)
    p.write_text("学籍番号,氏名,Identifier,extra\ns1,山田 太郎,Participant 77,?\nbad id!,X,,\n"
                 "s1,again,,\n", encoding="utf-8-sig")
    r = load_roster(p)
    assert list(r.students) == ["s1"]
    assert r.students["s1"].moodle_id == "77" and r.students["s1"].name == "山田 太郎"
    text = " ".join(r.notes)
    assert "'extra' not used" in text and "'bad id!'" in text and "listed twice" in text


def test_ambiguous_name_matches_nobody(tmp_path):
    roster = load_roster(_roster(tmp_path / "r.csv", [
        {"student_id": "a1", "name": "山田 太郎"}, {"student_id": "a2", "name": "山田太郎"}]))
    p = lms.Participant("moodle", "5", "山田 太郎")
    assert roster.match(p) == (None, "the name matches 2 roster rows")


# ----------------------------------------------------------------------------- exchange


def test_exchange_collect_never_follows_what_students_put_there(tmp_path, capsys):
    """nbgrader's own collect copies with copytree, which follows symlinks and opens FIFOs;
    ours reads each student's latest hand-in and nothing a student could point elsewhere."""
    secret = tmp_path / "instructor" / "other-student.ipynb"
    secret.parent.mkdir()
    secret.write_bytes(_nb("SECRET"))
    inbound = tmp_path / "exchange" / "default_course" / "inbound"
    inbound.mkdir(parents=True)

    def hand_in(student, stamp, files):
        d = inbound / f"{student}+ex01+{stamp}+r{abs(hash(stamp)) % 999}"
        d.mkdir()
        (d / "timestamp.txt").write_text(stamp)
        for name, make in files.items():
            make(d / name)
        return d

    def data(b):
        return lambda p: p.write_bytes(b)

    hand_in("alice", "2024-05-01 10:00:00.000000 UTC", {"ex01.ipynb": data(_nb("alice-1"))})
    hand_in("alice", "2024-05-02 10:00:00.000000 UTC", {"ex01.ipynb": data(_nb("alice-2"))})
    hand_in("bob", "2024-05-01 10:00:00.000000 UTC",
            {"ex01.ipynb": lambda p: p.symlink_to(secret)})
    hand_in("carol", "2024-05-01 10:00:00.000000 UTC", {"ex01.ipynb": os.mkfifo})
    d = hand_in("dave", "2024-05-01 10:00:00.000000 UTC", {})
    (d / "ex01.ipynb").mkdir()  # a folder named like the notebook, holding a hard link
    os.link(secret, d / "ex01.ipynb" / "ex01.ipynb")
    (inbound / "erin+ex01+2024-05-01 10:00:00.000000 UTC+x").symlink_to(secret.parent)
    course = tmp_path / "course"
    code = course_main(["collect", "ex01", "--exchange", "--exchange-root",
                        str(tmp_path / "exchange"), "--course-dir", str(course),
                        "--solutions", str(SOLUTIONS)])
    out = capsys.readouterr().out
    assert code == 0, out
    got = {p.parent.parent.name: p.read_bytes()
           for p in (course / "submitted").glob("*/ex01/ex01.ipynb")}
    assert got == {"alice": _nb("alice-2")}
    assert ((course / "submitted" / "alice" / "ex01" / "timestamp.txt").read_text()
            == "2024-05-02 10:00:00.000000 UTC")
    for what in ("a symbolic link", "a FIFO", "a hard link", "collected 1 "):
        assert what in out, (what, out)
    assert "erin" in out  # the symlinked hand-in folder is reported, not entered
    assert b"SECRET" not in b"".join(p.read_bytes() for p in course.rglob("*") if p.is_file())


def test_a_class_of_one_is_not_unwrapped_into_the_participant(tmp_path):
    z = build_zip(tmp_path / "one.zip", [
        ("ex01-download/山田 太郎_1001_assignsubmission_file_/ex01.ipynb", _nb("old"),
         (2024, 5, 1, 9, 0, 0)),
        ("ex01-download/山田 太郎_1001_assignsubmission_file_/ex01 (1).ipynb", _nb("new"),
         (2024, 5, 1, 11, 0, 0)),
    ])
    with Submissions(z, "ex01", "ex01.ipynb") as d:
        assert d.layout == "moodle"
        assert {f.student: read_submission(f) for f in d.found} == {"moodle-1001": _nb("new")}
        assert any(n.startswith("moodle-1001: 2 notebooks handed in") for n in d.notes)


def test_canvas_gradebook_export_works_as_a_roster(tmp_path):
    p = tmp_path / "canvas.csv"
    p.write_text('Student,ID,SIS User ID,SIS Login ID,Section,ex01 (555)\n'
                 '    Points Possible,,,,,100\n'
                 '"Yamada, Taro",2001,s1001,yamada,A,\n'
                 '"Sato, Hanako",,s1003,,A,\n'
                 '"Student, Test",2999,,,A,\n', encoding="utf-8")
    r = load_roster(p)
    assert list(r.students) == ["s1001", "s1003"]
    s = r.students["s1001"]
    assert (s.canvas_id, s.sis_user_id, s.sis_login_id, s.section, s.name) == (
        "2001", "s1001", "yamada", "A", "Yamada, Taro")
    assert any("SIS User ID is used" in n for n in r.notes)
    assert any("''" in n and "not a valid student id" in n for n in r.notes)  # Test Student
    # Canvas writes "satohanako" into file names for the sortable name "Sato, Hanako"
    assert r.match(lms.Participant("canvas", "2003", "satohanako")) == ("s1003", "name")
    assert r.match(lms.Participant("canvas", "2001", "whoever")) == ("s1001", "canvas_id")
    # a name whose roster row carries another Canvas id is somebody else
    assert r.match(lms.Participant("canvas", "77", "yamadataro"))[0] is None


def test_a_linked_moodle_folder_still_gets_a_row_and_is_not_entered(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ex01.ipynb").write_bytes(_nb("SECRET"))
    subs = tmp_path / "subs"
    ok = subs / "Mary Ann Smith_1002_assignsubmission_file_"
    ok.mkdir(parents=True)
    (ok / "ex01.ipynb").write_bytes(_nb("mary"))
    (subs / "山田 太郎_1001_assignsubmission_file_").symlink_to(outside)
    with Submissions(subs, "ex01", "ex01.ipynb") as d:
        got = {f.student: (read_submission(f) if f.path else None) for f in d.found}
        notes = "\n".join(d.notes)
    assert got == {"moodle-1001": None, "moodle-1002": _nb("mary")}
    assert "'山田 太郎_1001_assignsubmission_file_': a symbolic link, not read" in notes
    assert "moodle-1001: no notebook in the hand-in" in notes
