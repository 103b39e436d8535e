"""The package as pip builds it (issue 22): a wheel that carries the data its modules read and
runs outside this checkout, in a fresh environment where only the wheel provides `edgeledger`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from edgeledger.fresco import applications

ROOT = Path(__file__).resolve().parents[2]
# What a build of the wheel reads, copied out so that the build leaves nothing in the checkout.
BUILD_INPUTS = ("pyproject.toml", "edgeledger")

# Run by the fresh environment's python, from a folder outside the checkout: every built-in
# application, as the installed package loads it, in one line each.
CHECK = """
import sys
from pathlib import Path

checkout = Path(sys.argv[1])
assert all(Path(entry or ".").resolve() != checkout for entry in sys.path), sys.path
import edgeledger.fresco.applications as applications

assert checkout not in Path(applications.__file__).resolve().parents, applications.__file__
for name in applications.BUILT_IN:
    application = applications.built_in(name)
    print(name, application.name, len(application.tasks))
"""


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """`command`'s output; its whole output in the failure when it fails."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def pip(*args: str) -> str:
    return run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from this checkout's package, offline (make install pins setuptools)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    pip(
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        str(out),
        str(source),
    )
    (built,) = out.glob("edgeledger-*.whl")
    return built


def test_wheel__carries_every_json_file_of_the_package(wheel: Path) -> None:
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "edgeledger").rglob("*.json")}
    assert shipped, "no package data found in the checkout"
    with zipfile.ZipFile(wheel) as archive:
        missing = shipped - set(archive.namelist())
    assert not missing, f"not in the wheel (pyproject's [tool.setuptools.package-data]): {missing}"


def test_wheel__installed_in_a_fresh_environment_loads_the_built_in_applications(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    )
    # The dependencies (numpy ...) from this environment's folders, named as plain paths: a path
    # in a .pth file is added as it is, so the .pth files there (this checkout's editable
    # install) are not read and the checkout stays off the fresh environment's path.
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    pip(
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--no-compile",
        "--target",
        str(site),
        str(wheel),
    )

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    lines = run([str(python), "-c", CHECK, str(ROOT)], cwd=outside, env=clean).splitlines()

    expected = []
    for name in applications.BUILT_IN:
        application = applications.built_in(name)
        expected.append(f"{name} {application.name} {len(application.tasks)}")
    assert lines == expected
