"""The wheel built from the checkout: the pulumi_wasp package and its metadata, nothing of the repository
around it (tests, the reference system's handlers, the bench, the policy pack directory)."""

from __future__ import annotations

import email.parser
import re
import zipfile
from pathlib import Path

from tests.packaging.conftest import PACKAGE, REPO, source_version


def dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    return wheel.read(f"pulumi_wasp-{source_version()}.dist-info/{name}").decode()


def metadata(wheel: zipfile.ZipFile):
    return email.parser.Parser().parsestr(dist_info(wheel, "METADATA"))


def test_the_wheel_is_named_after_the_distribution_and_the_packages_version(wheel):
    assert Path(wheel.filename).name == f"pulumi_wasp-{source_version()}-py3-none-any.whl"
    assert (metadata(wheel)["Name"], metadata(wheel)["Version"]) == ("pulumi-wasp", source_version())


def test_the_only_top_level_entries_are_the_package_and_its_metadata(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert tops == {"pulumi_wasp", f"pulumi_wasp-{source_version()}.dist-info"}
    assert dist_info(wheel, "top_level.txt").split() == ["pulumi_wasp"]


def test_the_package_holds_every_module_of_the_source_tree_and_py_typed(wheel):
    sources = {
        f"pulumi_wasp/{path.relative_to(PACKAGE).as_posix()}"
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    shipped = {name for name in wheel.namelist() if name.startswith("pulumi_wasp/")}
    # The local cloud's README is developer documentation, read by no code: not package data.
    assert shipped == sources | {"pulumi_wasp/py.typed"}


def test_no_tests_handlers_bench_or_pack_directory_are_shipped(wheel):
    # (A top-level ``components`` package is ruled out above; ``pulumi_wasp/components`` is the package's own.)
    folders = {part for name in wheel.namelist() for part in name.split("/")[:-1]}
    assert folders & {"tests", "lambdas", "bench"} == set()
    assert [name for name in wheel.namelist() if Path(name).name.startswith("test_")] == []
    assert [name for name in wheel.namelist() if name.endswith(("PulumiPolicy.yaml", "Pulumi.yaml"))] == []


def test_the_only_console_script_is_wasp(wheel):
    groups: dict[str, dict[str, str]] = {}
    group = ""
    for line in dist_info(wheel, "entry_points.txt").splitlines():
        if line.startswith("["):
            group = line.strip("[]")
            groups[group] = {}
        elif "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            groups[group][key] = value
    assert groups["console_scripts"] == {"wasp": "pulumi_wasp.cli:main"}
    assert "gui_scripts" not in groups


def test_the_extras_keep_optional_tools_out_of_the_base_install(wheel):
    meta = metadata(wheel)
    assert set(meta.get_all("Provides-Extra")) == {"policy", "local", "testing", "deploy", "all"}
    base = [req for req in meta.get_all("Requires-Dist") if "extra ==" not in req]
    assert sorted(re.match(r"[A-Za-z0-9_.-]+", req)[0].lower() for req in base) == ["pulumi", "pulumi-aws", "pyyaml"]
    local = [req for req in meta.get_all("Requires-Dist") if 'extra == "local"' in req]
    assert any(req.startswith("moto[server]") for req in local)


def test_the_license_is_apache_2_0_and_its_text_ships(wheel):
    meta = metadata(wheel)
    assert meta["License-Expression"] == "Apache-2.0"
    assert dist_info(wheel, "licenses/LICENSE") == (REPO / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in (REPO / "LICENSE").read_text()


def test_the_project_urls_name_the_homepage_the_changelog_and_the_issues(wheel):
    urls = dict(entry.split(", ", 1) for entry in metadata(wheel).get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues"}
    assert urls["Changelog"].endswith("/CHANGELOG.md")
    assert (REPO / "CHANGELOG.md").is_file()


def test_the_long_description_is_the_readme(wheel):
    assert metadata(wheel).get_payload().strip() == (REPO / "README.md").read_text().strip()
