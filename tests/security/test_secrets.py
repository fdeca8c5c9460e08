"""Secrets never in the source tree, a data folder that does not depend on the working directory, and a key
rotation that leaves every resident's ID number readable and findable under the new key only."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import CommandError, call_command

import learncity
from learncity.core import crypto
from learncity.people.models import LearnerProfile
from learncity.people.services import ID_CONTEXT

SRC = Path(learncity.__file__).resolve().parent
REPO = SRC.parent.parent

PEM = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")
TOKEN_FILE = re.compile(rb"\A\s*[A-Za-z0-9_\-+/=]{24,}\s*\Z")  # a file that is nothing but one long token
KEY_NAMES = re.compile(r"(secret|private|pii)[_-]?key|\.pem\Z|\.key\Z|id_(rsa|ed25519)", re.I)
CODE = {".py", ".html", ".js", ".css", ".po", ".txt", ".json", ".svg", ".md"}


def _looks_like_key(path: Path) -> str | None:
    if KEY_NAMES.search(path.name) and path.suffix not in CODE:
        return "named like a key"
    data = path.read_bytes()[:65536]
    if PEM.search(data):
        return "holds a PEM private key"
    if path.suffix not in CODE and TOKEN_FILE.match(data):
        return "holds nothing but one long token"
    return None


def test_no_file_under_src_looks_like_a_key():
    found = []
    for path in SRC.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            why = _looks_like_key(path)
            if why:
                found.append(f"{path.relative_to(REPO)}: {why}")
    assert found == []


def test_the_key_check_catches_the_files_that_were_committed(tmp_path):
    (tmp_path / "secret_key").write_text("Jx3p0fK9vQm2s8Lr7tYb1nWc4hZd6aEg5uOi0kPq-AsDfGhJkL")
    (tmp_path / "pii_key").write_text("u1lq6Y3b0x2JwZq9S8c7V6t5R4e3W2q1A0s9D8f7G6h")
    (tmp_path / "signer.pem").write_bytes(b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n")
    assert [_looks_like_key(tmp_path / n) for n in ("secret_key", "pii_key", "signer.pem")] == [
        "named like a key", "named like a key", "named like a key"]
    (tmp_path / "blob").write_text("u1lq6Y3b0x2JwZq9S8c7V6t5R4e3W2q1A0s9D8f7G6h")
    assert _looks_like_key(tmp_path / "blob") == "holds nothing but one long token"


def test_the_keys_are_not_tracked_by_git():
    tracked = subprocess.run(["git", "ls-files", "src"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert [line for line in tracked.splitlines() if Path(line).name in {"secret_key", "pii_key"}] == []


def _data_dir_seen_from(cwd: Path, home: Path, **extra) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"LEARNCITY_DATA_DIR", "XDG_DATA_HOME"}}
    env.update(HOME=str(home), DJANGO_SETTINGS_MODULE="learncity.settings", **extra)
    code = "from django.conf import settings; print(settings.DATA_DIR)"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_data_folder_does_not_depend_on_the_working_directory(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    seen = {_data_dir_seen_from(cwd, home) for cwd in (tmp_path, SRC, SRC / "core")}
    assert seen == {str(home / ".local" / "share" / "learncity")}
    assert not (SRC / "data").exists()
    assert (home / ".local" / "share" / "learncity" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert _data_dir_seen_from(SRC, home, XDG_DATA_HOME=str(tmp_path / "xdg")) == str(tmp_path / "xdg" / "learncity")
    assert _data_dir_seen_from(SRC, home, LEARNCITY_DATA_DIR=str(tmp_path / "d")) == str(tmp_path / "d")


# --- rotation ---------------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path, monkeypatch):
    """A data folder of the test's own holding the running keys, as a deployment made before has them."""
    monkeypatch.delenv("LEARNCITY_PII_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    (tmp_path / "pii_key").write_text(settings.LEARNCITY_PII_KEY)
    (tmp_path / "secret_key").write_text(settings.SECRET_KEY)
    return tmp_path


def _numbers() -> dict[int, str]:
    return {p.pk: crypto.decrypt(p.id_number_encrypted, context=ID_CONTEXT)
            for p in LearnerProfile.objects.only("pk", "id_number_encrypted")}


@pytest.mark.django_db
def test_rotate_keys_reencrypts_every_profile_under_a_new_key(data_dir, settings):
    old_pii, old_secret = settings.LEARNCITY_PII_KEY, settings.SECRET_KEY
    before = _numbers()
    assert len(before) >= 300

    call_command("rotate_keys")

    new_pii = (data_dir / "pii_key").read_text()
    assert new_pii != old_pii and len(new_pii) >= 32
    assert (data_dir / "secret_key").read_text() not in {"", old_secret}
    assert not (data_dir / "pii_key.new").exists()
    assert (data_dir / "pii_key").stat().st_mode & 0o777 == 0o600
    settings.LEARNCITY_PII_KEY = new_pii
    assert _numbers() == before
    someone = LearnerProfile.objects.order_by("pk").first()
    number = before[someone.pk]
    assert LearnerProfile.objects.get(id_number_hash=crypto.lookup_hash(number, context=ID_CONTEXT)) == someone
    assert not LearnerProfile.objects.filter(
        id_number_hash=crypto.lookup_hash(number, context=ID_CONTEXT, master=old_pii)).exists()
    with pytest.raises(InvalidTag):
        crypto.decrypt(someone.id_number_encrypted, context=ID_CONTEXT, master=old_pii)


@pytest.mark.django_db
def test_an_interrupted_rotation_is_finished_by_the_next_run(data_dir, settings):
    from learncity.people.rotation import pii_key_reencrypt

    before = _numbers()
    pending = "p" * 43
    (data_dir / "pii_key.new").write_text(pending)
    pii_key_reencrypt(old=settings.LEARNCITY_PII_KEY, new=pending)  # committed; the file move never happened

    call_command("rotate_keys", "--pii-key")

    assert (data_dir / "pii_key").read_text() == pending and not (data_dir / "pii_key.new").exists()
    settings.LEARNCITY_PII_KEY = pending
    assert _numbers() == before


@pytest.mark.django_db
def test_a_pii_key_from_the_environment_needs_the_new_one_there(data_dir, settings, monkeypatch):
    monkeypatch.setenv("LEARNCITY_PII_KEY", settings.LEARNCITY_PII_KEY)
    stored = dict(LearnerProfile.objects.values_list("pk", "id_number_encrypted"))

    with pytest.raises(CommandError, match="LEARNCITY_NEW_PII_KEY"):
        call_command("rotate_keys", "--pii-key")
    assert dict(LearnerProfile.objects.values_list("pk", "id_number_encrypted")) == stored

    monkeypatch.setenv("LEARNCITY_NEW_PII_KEY", "n" * 40)
    call_command("rotate_keys", "--pii-key")
    settings.LEARNCITY_PII_KEY = "n" * 40
    assert len(_numbers()) == len(stored)


@pytest.mark.django_db
def test_a_secret_key_from_the_environment_is_refused_before_anything_changes(data_dir, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    stored = dict(LearnerProfile.objects.values_list("pk", "id_number_encrypted"))
    with pytest.raises(CommandError, match="SECRET_KEY"):
        call_command("rotate_keys")
    assert dict(LearnerProfile.objects.values_list("pk", "id_number_encrypted")) == stored
    assert not (data_dir / "pii_key.new").exists()


@pytest.mark.django_db
def test_rotation_is_refused_while_an_import_job_runs(data_dir, settings):
    from learncity.intake.models import ImportJob, JobStatus
    from learncity.network.models import Institution

    job = ImportJob.objects.create(institution=Institution.objects.first(), status=JobStatus.RUNNING,
                                   filename="records.csv", source="api", file_format="csv")
    stored = dict(LearnerProfile.objects.values_list("pk", "id_number_encrypted"))

    with pytest.raises(CommandError, match=f"任务 {job.pk}"):
        call_command("rotate_keys", "--pii-key")

    assert dict(LearnerProfile.objects.values_list("pk", "id_number_encrypted")) == stored
    assert (data_dir / "pii_key").read_text() == settings.LEARNCITY_PII_KEY


@pytest.mark.django_db
def test_the_old_key_is_kept_and_finish_moves_what_a_running_server_wrote_with_it(data_dir, settings):
    old_pii = settings.LEARNCITY_PII_KEY
    call_command("rotate_keys", "--pii-key")
    new_pii = (data_dir / "pii_key").read_text()
    assert (data_dir / "pii_key.old").read_text() == old_pii
    assert (data_dir / "pii_key.old").stat().st_mode & 0o777 == 0o600

    # a server that was not stopped still runs with the old key and writes a resident's ID number under it
    someone = LearnerProfile.objects.order_by("-pk").first()
    number = crypto.decrypt(someone.id_number_encrypted, context=ID_CONTEXT, master=new_pii)
    LearnerProfile.objects.filter(pk=someone.pk).update(
        id_number_encrypted=crypto.encrypt(number, context=ID_CONTEXT, master=old_pii),
        id_number_hash=crypto.lookup_hash(number, context=ID_CONTEXT, master=old_pii))
    settings.LEARNCITY_PII_KEY = new_pii
    from learncity.people.rotation import pii_key_problem

    assert f"学习者 {someone.pk}" in pii_key_problem()

    call_command("rotate_keys", "--pii-key", "--finish")

    assert pii_key_problem() is None
    moved = LearnerProfile.objects.get(pk=someone.pk)
    assert crypto.decrypt(moved.id_number_encrypted, context=ID_CONTEXT) == number
    assert moved.id_number_hash == crypto.lookup_hash(number, context=ID_CONTEXT)


@pytest.mark.django_db
def test_finish_without_an_old_key_is_refused(data_dir):
    with pytest.raises(CommandError, match=r"pii_key\.old"):
        call_command("rotate_keys", "--finish")


@pytest.mark.django_db
def test_serve_refuses_to_start_on_a_key_that_does_not_open_the_residents_id_numbers(data_dir, settings):
    settings.LEARNCITY_PII_KEY = "a-key-these-data-were-never-encrypted-with"
    with pytest.raises(CommandError, match="LEARNCITY_DATA_DIR"):
        call_command("serve", "--no-worker", "--port", "9")
