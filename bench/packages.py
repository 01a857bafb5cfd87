"""Package size: each function's deployment archive (its folder and shared/, zipped) against the same code with its
dependencies vendored into the archive, as it would be without the Powertools layer.

The vendored size is computed offline from the distributions installed in this virtualenv: those owning the modules
the function's handlers load at import (beyond what `python -c pass` loads), minus what the Lambda Python runtime
already provides. Sizes are exact, so one measurement; each distribution is zipped once.
"""

from __future__ import annotations

import importlib.metadata as metadata
import io
import re
import zipfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from bench.lambdas import LAMBDAS, SHARED, Handler
from bench.report import Section, Table, size, times

#: In the Lambda Python runtime already (boto3 and its dependencies): nobody vendors them to run.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"})


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _zip(files: Iterable[tuple[str, Path]]) -> tuple[int, int]:
    """(zipped, unzipped) bytes of an archive of ``files`` (archive name, path), deflated as Lambda archives are."""
    buffer, unzipped = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(files):
            archive.write(path, name)
            unzipped += path.stat().st_size
    return len(buffer.getvalue()), unzipped


def _source_files(directory: Path) -> list[tuple[str, Path]]:
    return [
        (str(path.relative_to(directory.parent)), path)
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


def archive_size(folder: str) -> tuple[int, int]:
    return _zip(_source_files(LAMBDAS / folder) + _source_files(LAMBDAS / SHARED))


@cache
def distribution_size(name: str) -> tuple[int, int]:
    """(zipped, unzipped) bytes of an installed distribution's files as `pip install --target` lays them out."""
    dist = metadata.distribution(name)
    root = Path(str(dist.locate_file(""))).resolve()
    files = []
    for entry in dist.files or ():
        path = Path(str(dist.locate_file(entry))).resolve()
        if path.is_file() and path.is_relative_to(root) and "__pycache__" not in path.parts:
            files.append((str(path.relative_to(root)), path))
    return _zip(files)


def distributions(modules: Iterable[str], startup: Iterable[str]) -> list[str]:
    """Distributions owning ``modules`` loaded beyond ``startup``, without those the runtime provides."""
    owners = metadata.packages_distributions()
    tops = {m.split(".")[0] for m in modules} - {m.split(".")[0] for m in startup}
    found = {_normalized(dist) for top in tops for dist in owners.get(top, [])}
    return sorted(found - RUNTIME_PROVIDED)


def run(found: list[Handler], probes: dict[Handler, dict[str, Any]], startup: list[str]) -> Section:
    folders: dict[str, list[Handler]] = {}
    for h in found:
        folders.setdefault(h.folder, []).append(h)
    rows: list[list[str]] = []
    data: dict[str, dict[str, Any]] = {}
    for folder, members in folders.items():
        modules = {m for h in members for m in probes[h]["modules"]}
        dists = distributions(modules, startup)
        own_zip, own_raw = archive_size(folder)
        vendored_zip = own_zip + sum(distribution_size(d)[0] for d in dists)
        vendored_raw = own_raw + sum(distribution_size(d)[1] for d in dists)
        rows.append(
            [
                folder,
                str(len(members)),
                size(own_zip),
                ", ".join(dists),
                size(vendored_zip),
                times(own_zip / vendored_zip),
                f"{size(own_raw)} / {size(vendored_raw)}",
            ]
        )
        data[folder] = {
            "handlers": [h.module for h in members],
            "archive_bytes": own_zip,
            "archive_unzipped_bytes": own_raw,
            "vendored_distributions": dists,
            "vendored_archive_bytes": vendored_zip,
            "vendored_unzipped_bytes": vendored_raw,
        }
    folder, largest = max(data.items(), key=lambda item: item[1]["vendored_archive_bytes"])
    return Section(
        key="packages",
        title="Package size",
        notes=[
            "Own archive: the function's folder and shared/ (sources only, deflated). Vendored: the same archive plus "
            "the installed distributions it loads at import, i.e. what each function would upload without the "
            f"Powertools layer (the runtime's own {', '.join(sorted(RUNTIME_PROVIDED))} excluded). Exact sizes, one measurement."
        ],
        tables=[
            Table(
                [
                    "function folder",
                    "handlers",
                    "own archive",
                    "vendored dependencies",
                    "vendored archive",
                    "own / vendored",
                    "unzipped: own / vendored",
                ],
                rows,
            )
        ],
        data=data,
        summary=[
            f"packages: own archives {size(min(d['archive_bytes'] for d in data.values()))}–"
            f"{size(max(d['archive_bytes'] for d in data.values()))}; with dependencies vendored (no Powertools layer) up to "
            f"{size(largest['vendored_archive_bytes'])} ({folder}: {times(largest['vendored_archive_bytes'] / largest['archive_bytes'])} "
            "its own archive)"
        ],
    )
