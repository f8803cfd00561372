"""GraphiQL's browser assets, served by the app itself (core/graphiql.py) so the IDE works without
internet: fetched at install time (``make install`` runs ``customer-center assets fetch``) from the
npm registry with npm's own client (``npm pack``), pinned by version and checked against the pinned
``sha512`` integrity before anything is unpacked. They are not in the repository (.gitignore)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
STAMP = VENDOR_DIR / "ASSETS.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's ``dist.integrity`` for this exact tarball
    files: dict[str, str]  # path in the tarball -> file name served under /graphiql/assets/


PACKAGES = (
    Package(
        "react",
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        {"package/umd/react.production.min.js": "react.production.min.js", "package/LICENSE": "LICENSE.react"},
    ),
    Package(
        "react-dom",
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        {
            "package/umd/react-dom.production.min.js": "react-dom.production.min.js",
            "package/LICENSE": "LICENSE.react-dom",
        },
    ),
    Package(
        "graphiql",
        "3.8.3",
        "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
        {
            "package/graphiql.min.js": "graphiql.min.js",
            "package/graphiql.min.css": "graphiql.min.css",
            "package/LICENSE": "LICENSE.graphiql",
        },
    ),
)
ASSET_NAMES = frozenset(name for p in PACKAGES for name in p.files.values())
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class AssetError(Exception):
    pass


def pinned() -> dict[str, str]:
    return {p.name: f"{p.version} {p.integrity}" for p in PACKAGES}


def installed(directory: Path = VENDOR_DIR) -> bool:
    """The pinned assets are all present (the stamp names exactly the pinned versions)."""
    stamp = directory / STAMP.name
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    return recorded == pinned() and all((directory / n).is_file() for n in ASSET_NAMES)


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def unpack(package: Package, tarball: Path, directory: Path) -> None:
    """Check the tarball against the pinned integrity, then copy out only the files named."""
    found = integrity_of(tarball)
    if found != package.integrity:
        raise AssetError(f"{package.name}@{package.version}: integrity {found} is not the pinned {package.integrity}")
    with tarfile.open(tarball, "r:gz") as archive:
        for member_name, target in package.files.items():
            member = archive.getmember(member_name)
            source = archive.extractfile(member) if member.isfile() else None
            if source is None:
                raise AssetError(f"{package.name}@{package.version}: {member_name} is not a file")
            (directory / target).write_bytes(source.read())


def fetch(directory: Path = VENDOR_DIR, *, force: bool = False, npm: str = "npm") -> bool:
    """Download (``npm pack``), verify and unpack every pinned package; False when already there."""
    if installed(directory) and not force:
        return False
    if shutil.which(npm) is None:
        raise AssetError("npm is needed to fetch GraphiQL's assets (Debian: apt-get install npm)")
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{p.name}@{p.version}" for p in PACKAGES]
        done = subprocess.run(
            [npm, "pack", "--json", "--silent", "--pack-destination", tmp, *specs],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise AssetError(f"npm pack failed: {done.stderr.strip()[-500:]}")
        for package in PACKAGES:
            unpack(package, Path(tmp) / f"{package.name}-{package.version}.tgz", directory)
    (directory / STAMP.name).write_text(json.dumps(pinned(), indent=2) + "\n")
    return True
