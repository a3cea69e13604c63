"""The functions artifact: ``build/functions.zip``, the code every worker Lambda runs, and
the state machine definitions uploaded next to it.

Lambda-platform wheels of ``requirements.txt`` plus ``chalicelib/`` and ``functions/`` and
their bytecode, zipped so that the same sources always give the same bytes: its content hash
is its S3 key, so an unchanged build uploads nothing and updates no function. The definitions
(``infrastructure/statemachines/*.asl.json``) go under one prefix named by the hash of them
all, so a changed definition is a new ``StateMachinesPrefix`` and CloudFormation updates the
state machines, and an unchanged one uploads and updates nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from infrastructure.deploy import DeployError

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
FUNCTIONS_DIR = BUILD / "functions"
FUNCTIONS_ZIP = BUILD / "functions.zip"
FUNCTION_SOURCES = ("chalicelib", "functions")
LAMBDA_PYTHON = (3, 11)
LAMBDA_PLATFORM = (
    "--platform",
    "manylinux2014_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    "--only-binary=:all:",
)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SOURCE_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc")
STATEMACHINES = ROOT / "infrastructure" / "statemachines"
DEFINITION_SUFFIX = ".asl.json"


def artifact_key(data: bytes) -> str:
    return f"functions/{hashlib.sha256(data).hexdigest()[:32]}.zip"


def state_machine_files(directory: Path = STATEMACHINES) -> list[Path]:
    """The state machine definitions the template's ``DefinitionS3Location`` keys name."""
    return sorted(directory.glob(f"*{DEFINITION_SUFFIX}"))


def definitions_prefix(files: Sequence[Path]) -> str:
    """``statemachines/<hash of every file's name and bytes>/``: the ``StateMachinesPrefix``."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"statemachines/{digest.hexdigest()[:32]}/"


def zip_members(root: Path) -> list[tuple[Path, str]]:
    """Every file under ``root`` in a fixed order, without pip's console scripts (``bin/``)."""
    members = [
        (path, path.relative_to(root).as_posix())
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] != "bin"
    ]
    return sorted(members, key=lambda member: member[1])


def write_zip(root: Path, dest: Path) -> None:
    """Fixed order, timestamps and modes: the same files always give the same bytes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as archive:
        for path, arcname in zip_members(root):
            info = zipfile.ZipInfo(arcname, ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, wherever the build runs
            mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, path.read_bytes())


def run(command: Sequence[str], env: Mapping[str, str] | None = None) -> None:
    print("$", " ".join(command), flush=True)
    result = subprocess.run(list(command), cwd=ROOT, env=env, check=False)
    if result.returncode:
        raise DeployError(f"{Path(command[0]).name} exited with {result.returncode}")


def sdist_only_requirements(text: str) -> list[str]:
    """Requirements marked ``# sdist-only``: pure Python, published without wheels."""
    return [
        line.split("#", 1)[0].strip()
        for line in text.splitlines()
        if "sdist-only" in line.split("#", 1)[-1] and "#" in line
    ]


def build_sdist_only_wheels() -> Path:
    """Universal wheels for the sdist-only requirements, so the binary-only Lambda-platform
    install can take them."""
    target = ROOT / "build" / "sdist-wheels"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    wanted = sdist_only_requirements((ROOT / "requirements.txt").read_text())
    if wanted:
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "-w",
                str(target),
                *wanted,
            ]
        )
    return target


def build_functions_artifact() -> Path:
    shutil.rmtree(FUNCTIONS_DIR, ignore_errors=True)
    requirements = str(ROOT / "requirements.txt")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile"]
    wheels = build_sdist_only_wheels()
    run(
        [
            *pip,
            "-r",
            requirements,
            "--target",
            str(FUNCTIONS_DIR),
            *LAMBDA_PLATFORM,
            "--find-links",
            str(wheels),
        ]
    )
    for name in FUNCTION_SOURCES:
        shutil.copytree(ROOT / name, FUNCTIONS_DIR / name, ignore=SOURCE_JUNK)
    compile_bytecode(FUNCTIONS_DIR)
    write_zip(FUNCTIONS_DIR, FUNCTIONS_ZIP)
    return FUNCTIONS_ZIP


def compile_bytecode(root: Path) -> None:
    """Ship bytecode: Lambda's code directory is read-only, so without it every cold start
    compiles every module it imports. Unchecked-hash pycs, a fixed hash seed and ``/var/task``
    paths keep the bytes identical from build to build and machine to machine."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        print(f"not compiling bytecode: this is Python {sys.version_info[:2]}, Lambda runs 3.11")
        return
    compileall = [sys.executable, "-m", "compileall", "-q", "-j", "0"]
    options = ["--invalidation-mode", "unchecked-hash", "-s", str(root), "-p", "/var/task"]
    run([*compileall, *options, str(root)], env={**os.environ, "PYTHONHASHSEED": "0"})
