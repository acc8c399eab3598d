"""The build backend of `pip install .` and `pip wheel .` from a checkout
(PEP 517), offline and without build isolation: it needs only CMake, a
compiler and the Debian packages scripts/install-deps.sh installs.

CMake builds the C++ library, the `ecopt` command and the Python package,
and `cmake --install` lays them out as in a virtual environment
(docs/python.md). The wheel keeps that layout: site-packages/ecopt is the
wheel's package, bin/ its scripts and the rest (lib/ with the library
and plugins, include/) data installed under the environment's prefix,
where the run paths of the command and of ecopt._native look for the
library. `--config-settings cmake-args="-DECOPT_WITH_TORCH=OFF"` passes
configure options on."""
import base64
import hashlib
import os
import pathlib
import re
import shlex
import stat
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "build-wheel"  # ignored (build*/), reused by the next build
SITE_PACKAGES = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"


def _version():
    match = re.search(r"project\(ecopt VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    return match.group(1)


def _tag():
    python = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{python}-{python}-{platform}"


def _dist_info():
    return f"ecopt-{_version()}.dist-info"


def _metadata_files():
    return {
        "METADATA": (f"Metadata-Version: 2.1\nName: ecopt\nVersion: {_version()}\n"
                     "Summary: Tune machine-learning models for accuracy and energy efficiency together\n"
                     "Requires-Python: =={}.{}.*\n".format(*sys.version_info[:2])),
        "WHEEL": f"Wheel-Version: 1.0\nGenerator: ecopt_build\nRoot-Is-Purelib: false\nTag: {_tag()}\n",
    }


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    folder = pathlib.Path(metadata_directory) / _dist_info()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _metadata_files().items():
        (folder / name).write_text(text)
    return _dist_info()


def _run(command, env):
    print("ecopt_build:", shlex.join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, env=env, stdout=sys.stderr)


def _install_tree(config_settings, prefix):
    """Configures, builds and installs ECOpt into `prefix` as into a
    virtual environment of this Python."""
    env = dict(os.environ, CCACHE_BASEDIR=str(ROOT), CCACHE_NOHASHDIR="1")
    extra = shlex.split((config_settings or {}).get("cmake-args", ""))
    _run(["cmake", "-S", str(ROOT), "-B", str(BUILD_DIR), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
          "-DECOPT_BUILD_TESTS=OFF", "-DECOPT_BUILD_BENCH=OFF", f"-DECOPT_PYTHON={sys.executable}",
          "-DCMAKE_INSTALL_LIBDIR=lib", *extra], env)
    _run(["cmake", "--build", str(BUILD_DIR), "-j", str(os.cpu_count() or 1)], env)
    _run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)], env)


def _wheel_name(path, data):
    """Where an installed file goes in the wheel."""
    relative = path.as_posix()
    if relative.startswith(SITE_PACKAGES + "/"):
        return relative[len(SITE_PACKAGES) + 1:]
    if relative.startswith("bin/"):
        return f"{data}/scripts/{relative[len('bin/'):]}"
    return f"{data}/data/{relative}"


def _record_line(name, content):
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(content)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel = pathlib.Path(wheel_directory) / f"ecopt-{_version()}-{_tag()}.whl"
    data = f"ecopt-{_version()}.data"
    with tempfile.TemporaryDirectory() as staging:
        prefix = pathlib.Path(staging)
        _install_tree(config_settings, prefix)
        record = []
        with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in prefix.rglob("*") if p.is_file() or p.is_symlink()):
                if path.is_symlink():  # a wheel holds files only
                    raise RuntimeError(f"the install holds a symbolic link, {path}, which a wheel cannot hold")
                name = _wheel_name(path.relative_to(prefix), data)
                info = zipfile.ZipInfo(name)
                # pip makes a file executable only where the mode says it is a regular one
                info.external_attr = (stat.S_IFREG | (0o755 if os.access(path, os.X_OK) else 0o644)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                content = path.read_bytes()
                archive.writestr(info, content)
                record.append(_record_line(name, content))
            for file_name, text in _metadata_files().items():
                name = f"{_dist_info()}/{file_name}"
                archive.writestr(name, text)
                record.append(_record_line(name, text.encode()))
            record.append(f"{_dist_info()}/RECORD,,")
            archive.writestr(f"{_dist_info()}/RECORD", "\n".join(record) + "\n")
    return wheel.name
