"""Reading a class's hand-ins: folders, the nbgrader layout, and LMS downloads (Moodle, Canvas).

Everything a submission folder or zip contains is untrusted. The rules:

* zip members are extracted only as regular files under a fresh folder: symlink entries,
  special files (devices, FIFOs, sockets), absolute or ``..`` paths, encrypted members,
  members over the size limits (a zip bomb declares small sizes and inflates; the bytes are
  counted while they are written) and corrupt members (bad CRC, truncated data) are notes;
* member names are decoded as UTF-8 when the zip says so (flag bit 11) and otherwise tried as
  UTF-8, then CP932 (what Japanese Windows tools write), and normalised to NFC (macOS
  writes NFD);
* a folder is walked without following symlinks; symlinks, hard links (a regular file with
  more than one link), devices, FIFOs and sockets are notes and are never opened;
* a notebook is opened with ``openat`` from the submission root, one component at a time,
  with ``O_NOFOLLOW``: nothing outside the root is ever read, whatever changes under it.

Layouts recognised (the first entry level below the root, after unwrapping one folder):

* ``<student>/<nb>.ipynb``, ``<student>/<assignment>/<nb>.ipynb`` (nbgrader's layout) and flat
  ``<student>_<anything>.ipynb`` files;
* Moodle's "Download all submissions": folders ``<Full Name>_<participant id>_assignsubmission_
  <plugin>_`` or flat files ``<Full Name>_<participant id>_assignsubmission_<plugin>_<file>``
  (``file`` and ``onlinetext`` plugins; blind marking writes ``Participant`` as the name);
* Canvas's "Download submissions": flat files ``<name>[_late]_<user id>_<attachment id>_
  <file>``, where ``<name>`` is the student's sortable name in lower case without punctuation
  and a resubmitted file name gets ``-1``, ``-2`` ... before its extension.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .course import ConfigError

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
MAX_ZIP_BYTES = 500 * 1024 * 1024  # all members together, counted as they are written
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one member (a notebook over 20 MB is malformed anyway)
MAX_MEMBERS = 20_000
MAX_RATIO = 1000  # uncompressed / compressed, for members over 1 MB
MAX_READ_BYTES = 32 * 1024 * 1024
MAX_WALK_ENTRIES = 5_000  # per participant folder
JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints",
        ".Trashes", ".Spotlight-V100", ".fseventsd"}

MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_$")
MOODLE_FILE = re.compile(
    r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)$")
CANVAS_FILE = re.compile(
    r"^(?P<name>[^_]+)(?P<late>_late)?_(?P<uid>\d+)_(?P<aid>\d+)_(?P<file>.+)$", re.IGNORECASE)
RESUBMISSION = re.compile(r"(?:-(\d+)| \((\d+)\))(\.ipynb)$")  # Canvas "-1", browsers " (1)"


class Unsafe(OSError):
    """A path that must not be read (a link, a special file, outside the root)."""


@dataclass
class Found:
    student: str
    path: Path | None  # None: missing
    notes: list[str] = field(default_factory=list)
    root: Path | None = None  # the submission root ``path`` lies beneath (read via openat)
    absent: bool = False  # on the roster, nothing at all in this batch


@dataclass
class Participant:
    """One LMS participant's hand-in, before it is given a student id."""

    lms: str  # "moodle" | "canvas"
    lms_id: str  # Moodle participant id / Canvas user id
    name: str  # full name (Moodle) or the sortable name written into file names (Canvas)
    files: list[Path] = field(default_factory=list)
    late: bool = False
    other: list[str] = field(default_factory=list)  # parts not graded (online text, ...)


@dataclass
class Discovery:
    found: list[Found]
    notes: list[str]
    layout: str
    participants: dict[str, Participant] = field(default_factory=dict)  # by student id


# ----------------------------------------------------------------------------- zip


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # zipfile decoded the raw bytes as CP437
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = None
        if raw is not None and not raw.isascii():
            for enc in ("utf-8", "cp932"):
                try:
                    name = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def _unsafe_parts(name: str) -> list[str] | None:
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any("\x00" in p for p in parts):
        return None
    return parts


def safe_extract(zip_path: Path, dest: Path) -> list[str]:
    """Extract ``zip_path`` into the empty folder ``dest``; return notes on what was skipped."""
    notes: list[str] = []
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ConfigError(f"{zip_path} is not a readable zip file ({e}); download it again "
                          "from the LMS or unpack it and pass the folder") from None
    total = 0
    seen: set[str] = set()
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            notes.append(f"zip has {len(infos)} entries: only the first {MAX_MEMBERS} read")
            infos = infos[:MAX_MEMBERS]
        for info in infos:
            name = _member_name(info)
            mode = info.external_attr >> 16
            parts = _unsafe_parts(name)
            if parts is None:
                notes.append(f"zip entry {name!r} skipped (unsafe path)")
                continue
            if info.is_dir() or (mode and stat.S_ISDIR(mode)):
                continue
            if mode and stat.S_ISLNK(mode):
                notes.append(f"zip entry {name!r} skipped (a symbolic link)")
                continue
            if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                notes.append(f"zip entry {name!r} skipped (a special file, not a regular file)")
                continue
            if info.flag_bits & 0x1:
                notes.append(f"zip entry {name!r} skipped (encrypted)")
                continue
            key = "/".join(parts)
            if key in seen:
                notes.append(f"zip entry {name!r} appears twice: the second copy was skipped")
                continue
            seen.add(key)
            if info.file_size > MAX_MEMBER_BYTES or (
                    info.file_size > 1 << 20 and info.file_size > MAX_RATIO *
                    max(1, info.compress_size)):
                notes.append(f"zip entry {name!r} skipped ({info.file_size} bytes when "
                             "unpacked: over the size limit)")
                continue
            if total + info.file_size > MAX_ZIP_BYTES:
                notes.append(f"zip larger than {MAX_ZIP_BYTES >> 20} MB when unpacked: "
                             f"{name!r} and the rest were skipped")
                break
            target = dest.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                written = _copy_member(zf, info, target)
            except _TooBig:
                target.unlink(missing_ok=True)
                notes.append(f"zip entry {name!r} skipped (inflates past its declared size: "
                             "a zip bomb?)")
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                    RuntimeError, ValueError, OSError) as e:
                with contextlib.suppress(OSError):
                    target.unlink(missing_ok=True)
                notes.append(f"zip entry {name!r} skipped (corrupt or unreadable: "
                             f"{type(e).__name__}: {str(e)[:120]})")
                continue
            total += written
            try:
                stamp = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(target, (stamp, stamp))
            except (OverflowError, ValueError, OSError):
                pass
    return notes


class _TooBig(Exception):
    pass


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int:
    limit = min(info.file_size, MAX_MEMBER_BYTES)
    written = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with zf.open(info) as src, os.fdopen(fd, "wb") as out:
        while True:
            chunk = src.read(1 << 16)
            if not chunk:
                break
            written += len(chunk)
            if written > limit:
                raise _TooBig()
            out.write(chunk)
    return written


def _junk(name: str) -> bool:
    return name in JUNK or name.startswith("._")


def unwrap(folder: Path, assignment: str = "") -> Path:
    """LMS zips often wrap everything in one folder: descend while that is so.

    Not into a Moodle participant's folder or a student's own folder (a class of one: a
    folder holding one notebook, or the assignment's folder)."""
    for _ in range(3):
        entries = [p for p in folder.iterdir() if not _junk(p.name)]
        if len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
            break
        inner = entries[0]
        if MOODLE_DIR.match(inner.name) or (assignment and (inner / assignment).is_dir()):
            break
        content = [p for p in inner.iterdir() if not _junk(p.name)]
        if len(content) > 1 or any(p.is_dir() or MOODLE_FILE.match(p.name) or
                                   CANVAS_FILE.match(p.name) for p in content):
            folder = inner
        else:
            break
    return folder


# ----------------------------------------------------------------------------- folders


def _kind(entry: os.DirEntry) -> str:
    """'dir', 'file', or why the entry is not read."""
    try:
        if entry.is_symlink():
            return "a symbolic link"
        st = entry.stat(follow_symlinks=False)
    except OSError as e:
        return f"unreadable ({e.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file" if st.st_nlink == 1 else f"a hard link ({st.st_nlink} names)"
    if stat.S_ISFIFO(st.st_mode):
        return "a FIFO"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "a device file"
    if stat.S_ISSOCK(st.st_mode):
        return "a socket"
    return "a special file"


def list_entries(folder: Path, notes: list[str], where: str,
                 rejected: list[tuple[str, str]] | None = None
                 ) -> list[tuple[os.DirEntry, str]]:
    """Regular files and folders in ``folder`` (never through a link), sorted by name; links
    and special files are noted (and, with ``rejected``, returned there as (name, kind))."""
    out = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if _junk(entry.name):
                    continue  # what file managers and Jupyter leave behind, never a hand-in
                if entry.name.startswith("."):
                    notes.append(f"{where}{entry.name!r}: hidden, not read (skipped)")
                    continue
                kind = _kind(entry)
                if kind not in ("dir", "file"):
                    notes.append(f"{where}{entry.name!r}: {kind}, not read (skipped)")
                    if rejected is not None:
                        rejected.append((entry.name, kind))
                    continue
                out.append((entry, kind))
    except OSError as e:
        notes.append(f"{where}: cannot list ({e.strerror})")
    return sorted(out, key=lambda x: x[0].name)


def notebooks_in(folder: Path, notes: list[str], where: str) -> list[Path]:
    """Every regular ``.ipynb`` beneath ``folder``, never through a link."""
    out: list[Path] = []
    stack = [(folder, where, 0)]
    count = 0
    while stack:
        d, w, depth = stack.pop()
        for entry, kind in list_entries(d, notes, w):
            count += 1
            if count > MAX_WALK_ENTRIES:
                notes.append(f"{where}: more than {MAX_WALK_ENTRIES} entries; the rest skipped")
                return sorted(out)
            if kind == "dir":
                if depth < 4:
                    stack.append((Path(entry.path), f"{w}{entry.name}/", depth + 1))
                else:
                    notes.append(f"{w}{entry.name}/: nested too deep (skipped)")
            elif entry.name.endswith(".ipynb"):
                out.append(Path(entry.path))
            elif entry.name.lower().endswith(".zip"):
                notes.append(f"{w}{entry.name!r}: a zip inside a submission is not opened; "
                             "ask the student to upload the .ipynb itself")
    return sorted(out)


def choose_notebook(nbs: list[Path], base: Path, assignment: str, notebook: str,
            mtimes: dict[Path, float] | None = None) -> tuple[Path | None, list[str]]:
    """One notebook out of several, and a note saying which and why."""
    if not nbs:
        return None, []

    def rel(p: Path) -> str:
        return str(p.relative_to(base))

    def clean(p: Path) -> str:
        name = p.name
        m = CANVAS_FILE.match(name) or MOODLE_FILE.match(name)
        return m.group("file") if m else name

    if len(nbs) == 1:
        p = nbs[0]
        return p, [] if clean(p) == notebook else [f"notebook taken from {rel(p)} "
                                                   f"(expected {notebook})"]

    def rank(p: Path):
        name = clean(p)
        m = RESUBMISSION.search(name)
        like = RESUBMISSION.sub(r"\3", name) == notebook
        stamp = (mtimes or {}).get(p)
        if stamp is None:
            try:
                stamp = os.lstat(p).st_mtime
            except OSError:
                stamp = 0.0
        return (like, assignment in name, stamp, int(m.group(1) or m.group(2)) if m else 0, name)

    chosen = max(nbs, key=rank)
    others = ", ".join(rel(p) for p in nbs if p != chosen)
    return chosen, [f"{len(nbs)} notebooks handed in; graded {rel(chosen)} (the newest one "
                    f"named like {notebook}); not graded: {others}"]


def read_submission(found: Found, limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of ``found.path``, opened beneath ``found.root`` without following links."""
    if found.path is None:
        raise Unsafe(errno.ENOENT, "no notebook")
    path = found.path
    root = found.root or path.parent
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        raise Unsafe(errno.EPERM, f"{path} is outside the submission folder") from None
    flags_dir = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for comp in parts[:-1]:
            nfd = os.open(comp, flags_dir, dir_fd=fd)
            os.close(fd)
            fd = nfd
        ffd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY |
                      getattr(os, "O_CLOEXEC", 0), dir_fd=fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise Unsafe(errno.ELOOP, f"{path.name}: a symbolic link, not read") from None
        raise
    finally:
        os.close(fd)
    with os.fdopen(ffd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise Unsafe(errno.EPERM, f"{path.name}: not a regular file, not read")
        if st.st_nlink != 1:
            raise Unsafe(errno.EPERM, f"{path.name}: a hard link, not read")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Unsafe(errno.EFBIG, f"{path.name}: over {limit} bytes, not read")
    return data


# ----------------------------------------------------------------------------- layouts


def _flat_student(name: str) -> str:
    stem = name[:-len(".ipynb")] if name.endswith(".ipynb") else name
    return stem.split("_")[0] if "_" in stem else stem


def _fallback_id(p: Participant) -> str:
    """The student id used when no roster names this participant."""
    if p.lms == "canvas" and STUDENT_ID.match(p.name):
        return p.name  # the sortable login-like name Canvas writes into file names
    return f"{p.lms}-{p.lms_id}"


def discover(root: Path, assignment: str, notebook: str, roster=None) -> Discovery:
    """Find every hand-in under ``root``, in any of the layouts above.

    With a :class:`~autograder.roster.Roster`, LMS participants are mapped to its student
    ids; unmatched participants and roster students without a hand-in are listed in the
    notes (unmatched ones are graded under a fallback id so no work is lost).
    """
    if not root.exists():
        raise ConfigError(f"submissions path {root} does not exist")
    notes: list[str] = []
    found: dict[str, Found] = {}
    participants: dict[tuple[str, str], Participant] = {}
    kinds: dict[str, int] = {}

    def participant(lms, lms_id, name) -> Participant:
        key = (lms, lms_id)
        if key not in participants:
            participants[key] = Participant(lms, lms_id, name)
        elif participants[key].name != name:
            notes.append(f"{lms} participant {lms_id} appears as {participants[key].name!r} "
                         f"and {name!r}")
        return participants[key]

    rejected: list[tuple[str, str]] = []
    for entry, kind in list_entries(root, notes, "", rejected):
        name = unicodedata.normalize("NFC", entry.name)
        path = Path(entry.path)
        m = MOODLE_DIR.match(name) if kind == "dir" else MOODLE_FILE.match(name)
        if m:
            kinds["moodle"] = kinds.get("moodle", 0) + 1
            p = participant("moodle", m.group("pid"), m.group("name"))
            if m.group("plugin") != "file":
                p.other.append(m.group("plugin"))
            elif kind == "dir":
                p.files += notebooks_in(path, notes, f"{name}/")
            elif name.endswith(".ipynb"):
                p.files.append(path)
            else:
                notes.append(f"{name!r}: not a notebook (skipped)")
            continue
        m = CANVAS_FILE.match(name) if kind == "file" else None
        if m:
            kinds["canvas"] = kinds.get("canvas", 0) + 1
            p = participant("canvas", m.group("uid"), m.group("name"))
            p.late = p.late or bool(m.group("late"))
            if name.endswith(".ipynb"):
                p.files.append(path)
            else:
                notes.append(f"{name!r}: not a notebook (skipped)")
            continue
        if kind == "dir":
            kinds["folders"] = kinds.get("folders", 0) + 1
            student = name
            if not STUDENT_ID.match(student):
                notes.append(f"{name!r}: not a valid student id nor an LMS folder (skipped)")
                continue
            sub_notes: list[str] = []
            nbs = notebooks_in(path, sub_notes, f"{name}/")
            chosen, why = choose_notebook(nbs, path, assignment, notebook)
            if student in found:
                notes.append(f"{student}: two submissions; kept {found[student].path}")
                continue
            said = sub_notes + (why if chosen else [f"no .ipynb file in {name}/"])
            found[student] = Found(student, chosen, said, root)
            notes += [f"{student}: {n}" for n in said]
        elif name.endswith(".ipynb"):
            kinds["flat"] = kinds.get("flat", 0) + 1
            student = _flat_student(name)
            if not STUDENT_ID.match(student):
                notes.append(f"{name!r}: cannot read a student id from the file name")
                continue
            if student in found:
                notes.append(f"{name!r}: second file for {student}; skipped")
                continue
            found[student] = Found(student, path, [], root)
        else:
            notes.append(f"{name!r}: not a notebook or student folder (skipped)")

    for raw, kind in rejected:  # still a row for whoever handed in a link or special file
        name = unicodedata.normalize("NFC", raw)
        m = MOODLE_DIR.match(name) or MOODLE_FILE.match(name)
        if m:
            participant("moodle", m.group("pid"), m.group("name"))
            continue
        m = CANVAS_FILE.match(name)
        if m:
            participant("canvas", m.group("uid"), m.group("name"))
            continue
        student = _flat_student(name) if name.endswith(".ipynb") else name
        if STUDENT_ID.match(student) and student not in found:
            found[student] = Found(student, None, [f"{name!r}: {kind}, not read"], root)

    by_student: dict[str, Participant] = {}
    other_parts = sorted({o for p in participants.values() for o in p.other})
    if other_parts:
        n = sum(bool(p.other) for p in participants.values())
        notes.append(f"{n} participant(s) also handed in {', '.join(other_parts)} "
                     "(not graded; only the notebook is)")
    for p in sorted(participants.values(), key=lambda p: (p.lms, p.name, p.lms_id)):
        who = f"{p.lms} participant {p.lms_id} ({p.name})"
        student, how = (roster.match(p) if roster is not None else (None, ""))
        if student is None:
            student = _fallback_id(p)
            if roster is not None:
                notes.append(f"{who}: not on the roster ({how}); graded as {student!r}. Add "
                             f"them to the roster ({p.lms}_id {p.lms_id}) and collect again")
        if student in found:
            notes.append(f"{who}: student {student} already has a hand-in in this batch; "
                         "skipped")
            continue
        said = [f"{p.lms} marked this submission late"] if p.late else []
        chosen, why = choose_notebook(p.files, root, assignment, notebook)
        if chosen is None:
            said.append("no notebook in the hand-in" + (
                f" (only {', '.join(p.other)})" if p.other else ""))
        said += why
        notes += [f"{student}: {n}" for n in said]  # the unusual ones, also for the output
        found[student] = Found(student, chosen, [
            f"from {who}" + (f", matched by {how}" if how else ""), *said], root)
        by_student[student] = p

    if roster is not None:
        missing = [s for s in roster.student_ids() if s not in found or found[s].path is None]
        for sid in missing:
            found.setdefault(sid, Found(sid, None, ["on the roster, no hand-in"], root,
                                        absent=True))
        if missing:
            notes.append(f"missing (on the roster, no notebook handed in): {', '.join(missing)}")
    layout = " + ".join(sorted(kinds, key=lambda k: -kinds[k])) or "empty"
    if len(kinds) > 1:
        notes.append(f"mixed layout: {', '.join(f'{k} {v}' for k, v in kinds.items())}")
    return Discovery([found[k] for k in sorted(found)], notes, layout, by_student)


class Submissions:
    """``with Submissions(path, ...) as d:`` a :class:`Discovery`, unzipping into a temp dir."""

    def __init__(self, path: Path, assignment: str, notebook: str, roster=None):
        self.path, self.assignment, self.notebook, self.roster = path, assignment, notebook, roster
        self._tmp = None

    def __enter__(self) -> Discovery:
        import tempfile

        root = self.path.resolve()
        notes: list[str] = []
        if root.is_file():
            if not zipfile.is_zipfile(root):
                raise ConfigError(f"{root} is neither a folder nor a zip file; pass the LMS's "
                                  "zip download or a folder of submissions")
            self._tmp = tempfile.TemporaryDirectory(prefix="course-zip-")
            dest = Path(self._tmp.name)
            notes = safe_extract(root, dest)
            root = unwrap(dest, self.assignment)
        d = discover(root, self.assignment, self.notebook, self.roster)
        d.notes[:0] = notes
        return d

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
