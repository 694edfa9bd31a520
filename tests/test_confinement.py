"""What confsync reads: only regular files inside the repo, never past a size limit.

The cases that cannot be committed as files (symbolic links, fifos, sockets, names that are
not UTF-8) are built here, in a temporary folder. Each runs ``validate`` and
``apply --auto-approve`` through the real CLI and checks: exit 1, the file and line named,
no traceback, no content of the refused file echoed, and no sandbox created (no request).
The committed cases are in ``bad_inputs/`` (``path-*`` and ``attachment-name-*``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from confsync.attachments import MAX_ATTACHMENT_BYTES
from confsync.cli import cli, run
from confsync.confluence import make_backend
from confsync.connection import ConfluenceSettings
from confsync.desired import desired_pages, read_attachment
from confsync.errors import ConfsyncError, StalePlanError
from confsync.loading import load_repo
from confsync.paths import (
    MAX_TEMPLATE_BYTES,
    SQLITE_HEADER,
    Refused,
    TooLarge,
    Why,
    file_digest,
    inside,
    printable,
    read_file,
    sandbox_file,
)
from confsync.render.pages import PageRenderer, RenderError
from confsync.reports import Retrospective, report_adapter
from confsync.types import DesiredAttachment

BASE = Path(__file__).parent / "bad_inputs" / "base"
SECRET = "ghp_SECRET-do-not-print-4242"
REPORT = "kind: retrospective\ndate: 2026-11-21\ncolumns: [{name: Went well}]\n"
TIMEOUT = 30.0

needs_posix = pytest.mark.skipif(os.name != "posix", reason="symbolic links, fifos, sockets")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the repo holding a secret (as ~/.git-credentials would)."""
    outside = tmp_path / "home"
    outside.mkdir()
    path = outside / ".git-credentials"
    path.write_text(f"https://ana:{SECRET}@github.com\n")
    return path


def _run(args: list[str]) -> tuple[int, str]:
    """The CLI in-process, in a thread given TIMEOUT: (exit code, stdout + stderr).

    A fifo opened for reading blocks until someone writes; if confsync ever opens one again,
    this fails after TIMEOUT instead of hanging the test run.
    """
    done: dict[str, tuple[int, str]] = {}

    def target() -> None:
        with CliRunner().isolation() as (stdout, stderr, _):
            code = run(cli.main, args)
        done["result"] = (code, stdout.getvalue().decode() + stderr.getvalue().decode())

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), f"confsync {' '.join(args)} still running after {TIMEOUT}s"
    return done["result"]


def _refused(root: Path, *expected: str) -> str:
    """Run validate and apply; both must refuse without a trace. Returns validate's output."""
    code, output = _run(["validate"])
    for line in expected:
        assert line in output
    assert code == 1, output
    code, applied = _run(["apply", "--auto-approve"])
    assert code == 1, applied
    for text in (output, applied):
        assert "Traceback" not in text
        assert "Internal error" not in text
        assert SECRET not in text
        assert text.endswith("nothing was published.\n")
    assert not (root / ".confsync").exists()
    return output


def _fifo(path: Path) -> None:
    os.mkfifo(path)


@contextmanager
def _socket(path: Path) -> Iterator[socket.socket]:
    # A socket path must be short (about 100 bytes): bind relative to its folder.
    cwd = Path.cwd()
    os.chdir(path.parent)
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path.name)
    finally:
        os.chdir(cwd)
    try:
        yield sock
    finally:
        sock.close()


# Report files --------------------------------------------------------------------------------


@needs_posix
def test_a_report_linked_to_a_secret_outside_is_refused_unread(repo: Path, secret: Path) -> None:
    (repo / "reports/platform/creds.yaml").symlink_to(secret)
    _refused(
        repo,
        "reports/platform/creds.yaml:1:1: file is a symbolic link to a place outside the repo; "
        "confsync reads only files kept in the repo (the folder of confsync.yaml)\n",
    )


@needs_posix
def test_a_report_linked_to_dev_zero_is_refused_unread(repo: Path) -> None:
    (repo / "reports/platform/zero.yaml").symlink_to("/dev/zero")
    _refused(repo, "reports/platform/zero.yaml:1:1: file is a symbolic link to a place outside")


@needs_posix
def test_a_fifo_report_is_refused_without_waiting_for_a_writer(repo: Path) -> None:
    _fifo(repo / "reports/platform/2026-11-21-pipe.yaml")
    _refused(
        repo,
        "reports/platform/2026-11-21-pipe.yaml:1:1: file is a named pipe (fifo), not a regular "
        "file; confsync reads only those\n",
    )


@needs_posix
def test_a_link_to_a_fifo_inside_the_repo_is_refused_too(repo: Path) -> None:
    _fifo(repo / "pipe")
    (repo / "reports/platform/2026-11-21-pipe.yaml").symlink_to("../../pipe")
    _refused(repo, "reports/platform/2026-11-21-pipe.yaml:1:1: file is a named pipe (fifo)")


@needs_posix
def test_a_socket_report_is_refused(repo: Path) -> None:
    with _socket(repo / "reports/platform/s.yaml"):
        _refused(repo, "reports/platform/s.yaml:1:1: file is a socket, not a regular file")


@needs_posix
def test_a_report_link_loop_is_refused(repo: Path) -> None:
    (repo / "reports/platform/loop.yaml").symlink_to("loop.yaml")
    (repo / "reports/platform/a.yaml").symlink_to("b.yaml")
    (repo / "reports/platform/b.yaml").symlink_to("a.yaml")
    output = _refused(
        repo,
        "reports/platform/loop.yaml:1:1: file is a symbolic link that leads round in a loop; "
        "fix the link\n",
        "reports/platform/a.yaml:1:1: file is a symbolic link that leads round in a loop",
        "reports/platform/b.yaml:1:1: file is a symbolic link that leads round in a loop",
    )
    assert output.endswith("3 problems found; nothing was published.\n")


@needs_posix
def test_a_report_name_that_is_not_utf8_is_named_printably(repo: Path) -> None:
    folder = os.fsencode(repo / "reports/platform")
    with open(folder + b"/2026-11-21-caf\xe9.yaml", "w") as file:
        file.write(REPORT)
    _refused(
        repo,
        "reports/platform/2026-11-21-caf\\xe9.yaml:1:1: file has a name that is not UTF-8 "
        "(the byte shown as \\xe9); rename it\n",
    )


@needs_posix
@pytest.mark.parametrize(
    ("name", "shown", "char"),
    [
        ("2026-11-21-two\nlines.yaml", "2026-11-21-two\\nlines.yaml", "\\n"),
        ("2026-11-21-tab\t.yaml", "2026-11-21-tab\\t.yaml", "\\t"),
        ("bell\x07/2026-11-21.yaml", "bell\\x07/2026-11-21.yaml", "\\x07"),
    ],
)
def test_control_characters_in_a_report_path_are_named_printably(
    repo: Path, name: str, shown: str, char: str
) -> None:
    path = repo / "reports/platform" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(REPORT)
    output = _refused(
        repo,
        f"reports/platform/{shown}:1:1: file has a control character ({char}) in its name; "
        "rename it\n",
    )
    assert "\x07" not in output
    assert "\t" not in output


@needs_posix
def test_a_report_linked_inside_the_repo_is_read(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared/retro.yaml").write_text(REPORT)
    (repo / "reports/platform/2026-11-21-linked.yaml").symlink_to("../../shared/retro.yaml")

    loaded = {r.source: r for r in load_repo(repo).reports}

    # The address comes from the link's name; the content from the file it leads to.
    linked = loaded["reports/platform/2026-11-21-linked.yaml"]
    assert linked.address.name == "2026-11-21-linked"
    assert str(linked.report.date) == "2026-11-21"


def test_a_report_over_the_size_limit_in_a_sparse_file_is_refused_unread(repo: Path) -> None:
    # 3 GiB of nothing: reading it would take seconds and the memory; stat says no at once.
    with open(repo / "reports/platform/huge.yaml", "wb") as file:
        file.truncate(3 * 1024**3)
    _refused(repo, "reports/platform/huge.yaml:1:1: file is 3,221,225,472 bytes, over the limit")


# Folders and files named in confsync.yaml ----------------------------------------------------


@needs_posix
def test_a_reports_folder_linked_outside_the_repo_is_refused(
    repo: Path, secret: Path, tmp_path: Path
) -> None:
    (secret.parent / "2026-11-21-x.yaml").write_text(f"kind: {SECRET}\n")
    shutil.rmtree(repo / "reports/mobile")
    (repo / "reports/mobile").symlink_to(secret.parent)
    _refused(
        repo,
        "confsync.yaml:15:14: teams[1].reports: 'reports/mobile' is a symbolic link to a place "
        "outside the repo; confsync reads only files kept in the repo (the folder of "
        "confsync.yaml)\n",
    )


@needs_posix
def test_a_reports_folder_that_is_a_link_loop_is_refused(repo: Path) -> None:
    shutil.rmtree(repo / "reports/mobile")
    (repo / "reports/mobile").symlink_to("mobile")
    _refused(repo, "confsync.yaml:15:14: teams[1].reports: 'reports/mobile' is a symbolic link")


@needs_posix
def test_confsync_yaml_linked_to_a_secret_is_refused_unread(repo: Path, secret: Path) -> None:
    (repo / "confsync.yaml").unlink()
    (repo / "confsync.yaml").symlink_to(secret)
    output = _refused(repo, "confsync.yaml: file is a symbolic link to a place outside the repo")
    assert output.endswith("1 problem found; nothing was published.\n")


@needs_posix
def test_a_fifo_as_confsync_yaml_is_refused(repo: Path) -> None:
    (repo / "confsync.yaml").unlink()
    _fifo(repo / "confsync.yaml")
    _refused(repo, "confsync.yaml: file is a named pipe (fifo), not a regular file")


def _with_templates(root: Path, folder: str = "templates") -> None:
    config = (root / "confsync.yaml").read_text()
    (root / "confsync.yaml").write_text(
        config.replace(
            "reports: reports/platform", f"reports: reports/platform\n    templates: {folder}"
        )
    )


@needs_posix
def test_a_template_linked_to_a_secret_is_refused_at_validate(repo: Path, secret: Path) -> None:
    _with_templates(repo)
    (repo / "templates").mkdir()
    (repo / "templates/retrospective.xml.j2").symlink_to(secret)
    _refused(
        repo,
        "confsync.yaml:12:16: teams[0].templates: 'templates/retrospective.xml.j2' is a "
        "symbolic link to a place outside the repo",
    )


@needs_posix
def test_a_fifo_or_oversized_file_in_the_templates_folder_is_refused(repo: Path) -> None:
    _with_templates(repo)
    (repo / "templates/parts").mkdir(parents=True)
    _fifo(repo / "templates/parts/footer.xml.j2")
    with open(repo / "templates/parent.xml.j2", "wb") as file:
        file.truncate(MAX_TEMPLATE_BYTES + 1)
    output = _refused(
        repo,
        "confsync.yaml:12:16: teams[0].templates: 'templates/parts/footer.xml.j2' is a named "
        "pipe (fifo), not a regular file",
        "confsync.yaml:12:16: teams[0].templates: 'templates/parent.xml.j2' is 1,048,577 bytes, "
        "over the limit of 1,048,576",
    )
    assert output.endswith("2 problems found; nothing was published.\n")


@needs_posix
def test_a_templates_folder_linked_outside_is_refused(repo: Path, secret: Path) -> None:
    _with_templates(repo)
    (repo / "templates").symlink_to(secret.parent)
    _refused(
        repo,
        "confsync.yaml:12:16: teams[0].templates: 'templates' is a symbolic link to a place "
        "outside the repo",
    )


def _retro() -> Retrospective:
    report = report_adapter.validate_python(
        {"kind": "retrospective", "date": "2026-11-20", "columns": [{"name": "Good"}]}
    )
    assert isinstance(report, Retrospective)
    return report


@needs_posix
@pytest.mark.parametrize("how", ["secret", "include-secret", "fifo"])
def test_the_renderer_itself_refuses_what_validate_refuses(
    tmp_path: Path, secret: Path, how: str
) -> None:
    # A template added between validate and render (or reached by an include) is checked too.
    root = tmp_path / "repo"
    folder = root / "templates"
    folder.mkdir(parents=True)
    if how == "secret":
        (folder / "retrospective.xml.j2").symlink_to(secret)
    elif how == "include-secret":
        (folder / "creds.j2").symlink_to(secret)
        (folder / "retrospective.xml.j2").write_text('<p>{% include "creds.j2" %}</p>')
    else:
        _fifo(folder / "retrospective.xml.j2")

    with pytest.raises(RenderError) as caught:
        _run_with_timeout(
            lambda: PageRenderer(folder, repo_root=root).retrospective(_retro(), team_name="T")
        )

    assert SECRET not in str(caught.value)
    assert str(caught.value).startswith("template retrospective.xml.j2: 'templates/")


def test_a_missing_override_falls_back_to_the_default_template(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    body = PageRenderer(tmp_path / "templates", repo_root=tmp_path).retrospective(
        _retro(), team_name="T"
    )
    assert body == PageRenderer().retrospective(_retro(), team_name="T")


def _run_with_timeout(call: Callable[[], object]) -> object:
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), f"still running after {TIMEOUT}s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


# The sandbox file ----------------------------------------------------------------------------


@needs_posix
def test_a_sandbox_file_linked_outside_is_refused(repo: Path, secret: Path) -> None:
    (repo / ".confsync").mkdir()
    (repo / ".confsync/sandbox.sqlite").symlink_to(secret)
    code, output = _run(["validate"])
    assert code == 1
    assert (
        "confsync.yaml:6:12: confluence.sandbox: '.confsync/sandbox.sqlite' is a symbolic link "
        "to a place outside the repo" in output
    )
    assert SECRET not in output
    assert secret.read_text() == f"https://ana:{SECRET}@github.com\n"


@needs_posix
def test_a_sandbox_folder_linked_outside_is_refused_before_anything_is_created(
    repo: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".confsync").symlink_to(elsewhere)
    for args in (["validate"], ["apply", "--auto-approve"]):
        code, output = _run(args)
        assert code == 1
        assert (
            "confsync.yaml:6:12: confluence.sandbox: '.confsync/sandbox.sqlite' cannot be "
            "created: '.confsync' is a symbolic link to a place outside the repo" in output
        )
        assert "Traceback" not in output
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    ("setup", "value", "message"),
    [
        (lambda r: (r / "data").mkdir(), "data", "'data' is a folder; give the name of a file"),
        (
            lambda r: (r / "notes.txt").write_text(f"{SECRET}\n" * 3),
            "notes.txt",
            "'notes.txt' is not an SQLite database",
        ),
        (lambda r: (r / "d").write_text(""), "d/x.sqlite", "cannot be created: 'd' is a file"),
        (lambda r: None, "../x.sqlite", "'../x.sqlite' is outside the repo"),
        (lambda r: None, " ", "' ' is empty"),
    ],
)
def test_make_backend_refuses_a_bad_sandbox_file_with_an_error_not_a_traceback(
    tmp_path: Path, setup: Callable[[Path], object], value: str, message: str
) -> None:
    # At run time too: load_repo refuses these, but make_backend is the one that opens the file.
    setup(tmp_path)
    settings = ConfluenceSettings.model_validate({"edition": "cloud", "sandbox": value})

    with pytest.raises(ConfsyncError) as caught:
        make_backend(settings, config_dir=tmp_path)

    assert str(caught.value).startswith("confluence.sandbox: ")
    assert message in str(caught.value)
    assert SECRET not in str(caught.value)


def test_an_empty_or_sqlite_sandbox_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").write_bytes(b"")
    (tmp_path / "db.sqlite").write_bytes(SQLITE_HEADER + b"\0" * 100)
    assert sandbox_file(tmp_path, "empty.sqlite") == (tmp_path / "empty.sqlite").resolve()
    assert sandbox_file(tmp_path, "db.sqlite") == (tmp_path / "db.sqlite").resolve()
    created = sandbox_file(tmp_path, ".confsync/new/sandbox.sqlite")
    assert created == tmp_path.resolve() / ".confsync/new/sandbox.sqlite"
    assert not (tmp_path / ".confsync").exists()  # checking creates nothing


# Attachments ---------------------------------------------------------------------------------


def _attach(root: Path, *names: str) -> Path:
    report = root / "reports/platform/2026-11-21-retro.yaml"
    listed = "".join(f"  - {name!r}\n" for name in names)
    report.write_text(f"{REPORT}attachments:\n{listed}")
    return report


@needs_posix
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p, s: p.symlink_to(s), "is a symbolic link to a place outside the repo"),
        (lambda p, s: p.symlink_to("/dev/zero"), "is a symbolic link to a place outside"),
        (lambda p, s: _fifo(p), "is a named pipe (fifo), not a regular file"),
        (lambda p, s: p.symlink_to(p.name), "is a symbolic link that leads round in a loop"),
        (lambda p, s: p.symlink_to("gone.png"), "is a symbolic link to nothing"),
    ],
)
def test_an_attachment_that_is_no_regular_file_in_the_repo_is_refused(
    repo: Path, secret: Path, make: Callable[[Path, Path], object], reason: str
) -> None:
    _attach(repo, "board.png")
    make(repo / "reports/platform/board.png", secret)
    _refused(
        repo,
        f"reports/platform/2026-11-21-retro.yaml:5:5: attachments[0]: 'board.png' {reason}",
    )


def test_an_attachment_over_the_limit_is_refused_at_validate(repo: Path) -> None:
    _attach(repo, "video.mp4")
    with open(repo / "reports/platform/video.mp4", "wb") as file:
        file.truncate(MAX_ATTACHMENT_BYTES + 1)
    _refused(
        repo,
        "reports/platform/2026-11-21-retro.yaml:5:5: attachments[0]: 'video.mp4' is 52,428,801 "
        "bytes, over the limit of 52,428,800; make it smaller\n",
    )


def test_an_attachment_at_the_limit_is_accepted(repo: Path) -> None:
    _attach(repo, "video.mp4")
    with open(repo / "reports/platform/video.mp4", "wb") as file:
        file.truncate(MAX_ATTACHMENT_BYTES)
    code, output = _run(["validate"])
    assert (code, output.endswith("valid; 2 teams, 3 reports.\n")) == (0, True), output


@needs_posix
def test_an_attachment_linked_inside_the_repo_keeps_the_name_the_report_gives(
    repo: Path,
) -> None:
    (repo / "photos").mkdir()
    (repo / "photos/IMG_0001.png").write_bytes(b"\x89PNG board")
    (repo / "reports/platform/board.png").symlink_to("../../photos/IMG_0001.png")
    _attach(repo, "board.png")

    page = next(p for p in desired_pages(load_repo(repo)) if p.address.name.endswith("retro"))

    file = next(a for a in page.attachments if a.origin == "file")
    assert (file.filename, file.media_type, file.path) == (
        "board.png",
        "image/png",
        "photos/IMG_0001.png",
    )
    assert file.digest == hashlib.sha256(b"\x89PNG board").hexdigest()[:20]
    assert read_attachment(repo, file) == b"\x89PNG board"


def _file_attachment(root: Path, data: bytes) -> DesiredAttachment:
    (root / "reports/platform/board.png").write_bytes(data)
    _attach(root, "board.png")
    page = next(p for p in desired_pages(load_repo(root)) if p.address.name.endswith("retro"))
    return next(a for a in page.attachments if a.origin == "file")


@needs_posix
def test_read_attachment_refuses_a_file_that_became_a_fifo(repo: Path) -> None:
    file = _file_attachment(repo, b"board")
    (repo / "reports/platform/board.png").unlink()
    _fifo(repo / "reports/platform/board.png")

    with pytest.raises(ConfsyncError, match=r"is a named pipe \(fifo\)"):
        _run_with_timeout(lambda: read_attachment(repo, file))


@needs_posix
def test_read_attachment_refuses_a_file_that_became_a_link_out(repo: Path, secret: Path) -> None:
    file = _file_attachment(repo, b"board")
    (repo / "reports/platform/board.png").unlink()
    (repo / "reports/platform/board.png").symlink_to(secret)

    with pytest.raises(ConfsyncError, match="outside the repo") as caught:
        read_attachment(repo, file)
    assert SECRET not in str(caught.value)


def test_read_attachment_refuses_a_file_grown_past_the_limit(repo: Path) -> None:
    file = _file_attachment(repo, b"board")
    with open(repo / "reports/platform/board.png", "wb") as grown:
        grown.truncate(MAX_ATTACHMENT_BYTES + 1)

    with pytest.raises(ConfsyncError, match="over the limit of 52,428,800"):
        read_attachment(repo, file)


def test_read_attachment_refuses_a_file_changed_since_the_plan(repo: Path) -> None:
    file = _file_attachment(repo, b"board")
    (repo / "reports/platform/board.png").write_bytes(b"another board")

    with pytest.raises(StalePlanError, match="changed since the plan was made: run plan again"):
        read_attachment(repo, file)


# The rule itself -----------------------------------------------------------------------------


def test_a_digest_is_streamed_and_equals_the_whole_file_digest(tmp_path: Path) -> None:
    data = os.urandom(1024) * 3000  # about 3 MB: several chunks
    (tmp_path / "big.bin").write_bytes(data)
    assert file_digest(tmp_path / "big.bin", len(data)) == hashlib.sha256(data).hexdigest()
    with pytest.raises(TooLarge) as caught:
        file_digest(tmp_path / "big.bin", len(data) - 1)
    assert (caught.value.size, caught.value.limit) == (len(data), len(data) - 1)


def test_read_file_refuses_more_than_its_limit(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"12345")
    assert read_file(tmp_path / "f", 5) == b"12345"
    with pytest.raises(TooLarge):
        read_file(tmp_path / "f", 4)


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_is_no_regular_file() -> None:
    with pytest.raises(Refused) as caught:
        inside(Path("/dev"), Path("null"))
    assert (caught.value.why, str(caught.value)) == (
        Why.WRONG_TYPE,
        "is a device, not a regular file; confsync reads only those",
    )
    with pytest.raises(Refused, match="is a device"):
        read_file(Path("/dev/zero"), 10)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../x", Why.OUTSIDE),
        ("/etc/hostname", Why.OUTSIDE),
        ("a/../../x", Why.OUTSIDE),
        ("missing.yaml", Why.MISSING),
        ("line\nbreak.yaml", Why.NAME),
        ("sub", Why.WRONG_TYPE),
    ],
)
def test_inside_refuses_without_touching(tmp_path: Path, path: str, why: Why) -> None:
    (tmp_path / "sub").mkdir()
    with pytest.raises(Refused) as caught:
        inside(tmp_path, Path(path))
    assert caught.value.why is why


def test_inside_accepts_a_regular_file_and_gives_its_real_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/x.yaml").write_text("x")
    assert inside(tmp_path, Path("a/./../a/x.yaml")) == (tmp_path / "a/x.yaml").resolve()
    assert inside(tmp_path, Path("a"), kind="folder") == (tmp_path / "a").resolve()


def test_printable_escapes_what_a_terminal_must_not_get() -> None:
    name = os.fsdecode(b"caf\xe9\n\x1b[2J") + "\u2028ok \u00e9"
    assert printable(name) == "caf\\xe9\\n\\x1b[2J\\u2028ok \u00e9"
    assert printable("plain name.yaml") == "plain name.yaml"
