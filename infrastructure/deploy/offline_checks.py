"""The Python half of ``validate.sh``: checks of the deploy path that need no AWS.

``asl-templates OUT FILE...``
    Wraps each state machine (``*.asl.json``) in a throwaway CloudFormation template in
    ``OUT``, so cfn-lint validates it against its Amazon States Language schema (rule E3601).
    ``${Name}`` placeholders become DefinitionSubstitutions with a well-formed Lambda ARN,
    the way the real template fills them. Prints the written paths; fails on invalid JSON.
``package DIR``
    Checks ``chalice package`` output: ``sam.json`` runs ``app.app`` on python3.11, and
    ``deployment.zip`` holds ``app.py``, every ``chalicelib`` module and every pinned
    requirement at its pinned version.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
DUMMY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
DUMMY_ROLE = "arn:aws:iam::123456789012:role/validate"
PIN = re.compile(r"^\s*([A-Za-z0-9._-]+)(?:\[[^]]*\])?\s*==\s*([^\s;#]+)")


def asl_template(definition_text: str) -> dict[str, Any]:
    definition = json.loads(definition_text)
    substitutions = {name: DUMMY_ARN.format(name) for name in PLACEHOLDER.findall(definition_text)}
    properties: dict[str, Any] = {"RoleArn": DUMMY_ROLE, "Definition": definition}
    if substitutions:
        properties["DefinitionSubstitutions"] = substitutions
    machine = {"Type": "AWS::StepFunctions::StateMachine", "Properties": properties}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"StateMachine": machine}}


def write_asl_templates(out: Path, files: Sequence[Path]) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    problems, written = [], []
    for source in files:
        try:
            template = asl_template(source.read_text())
        except ValueError as exc:
            problems.append(f"{source}: not valid JSON: {exc}")
            continue
        target = out / (source.name.removesuffix(".asl.json") + ".template.json")
        target.write_text(json.dumps(template, indent=2))
        print(f"{target} wraps {source}", file=sys.stderr)
        written.append(str(target))
    print("\n".join(written))
    return problems


def pinned_requirements(text: str) -> dict[str, str]:
    pins = (PIN.match(line) for line in text.splitlines())
    return {normalize(m.group(1)): m.group(2) for m in pins if m}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def installed_distributions(names: Sequence[str]) -> dict[str, str]:
    found = {}
    for name in names:
        top = name.split("/", 1)[0]
        if top.endswith(".dist-info"):
            dist, _, version = top.removesuffix(".dist-info").rpartition("-")
            found[normalize(dist)] = version
    return found


def package_problems(sam: dict[str, Any], names: Sequence[str], root: Path) -> list[str]:
    props = sam.get("Resources", {}).get("APIHandler", {}).get("Properties", {})
    problems = [
        f"sam.json APIHandler {key} is {props.get(key)!r}, expected {want!r}"
        for key, want in (("Handler", "app.app"), ("Runtime", "python3.11"))
        if props.get(key) != want
    ]
    problems += websocket_problems(sam)
    sources = ["app.py"] + sorted(
        p.relative_to(root).as_posix() for p in (root / "chalicelib").rglob("*.py")
    )
    problems += [f"deployment.zip lacks {name}" for name in sources if name not in set(names)]
    installed = installed_distributions(names)
    wanted = pinned_requirements((root / "requirements.txt").read_text())
    problems += [
        f"deployment.zip has {dist} {installed.get(dist, '(none)')}, requirements.txt pins {pin}"
        for dist, pin in sorted(wanted.items())
        if installed.get(dist) != pin
    ]
    return problems


WEBSOCKET_HANDLERS = {
    "WebsocketConnect": "app.ws_connect",
    "WebsocketMessage": "app.ws_message",
    "WebsocketDisconnect": "app.ws_disconnect",
}


def websocket_problems(sam: dict[str, Any]) -> list[str]:
    """The live updates' WebSocket API is in the package, its routes on app.py's handlers."""
    resources = sam.get("Resources", {})
    problems = [] if "WebsocketAPI" in resources else ["sam.json has no WebsocketAPI"]
    for name, handler in WEBSOCKET_HANDLERS.items():
        found = resources.get(name, {}).get("Properties", {}).get("Handler")
        if found != handler:
            problems.append(f"sam.json {name} Handler is {found!r}, expected {handler!r}")
    return problems


def check_package(out: Path) -> list[str]:
    missing = [name for name in ("sam.json", "deployment.zip") if not (out / name).is_file()]
    if missing:
        return [f"{out} lacks {name}" for name in missing]
    sam = json.loads((out / "sam.json").read_text())
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        names = archive.namelist()
    problems = package_problems(sam, names, ROOT)
    if not problems:
        print(f"{out}: sam.json and deployment.zip ({len(names)} files) look right")
    return problems


def main(argv: Sequence[str]) -> int:
    if len(argv) >= 2 and argv[0] == "asl-templates":
        problems = write_asl_templates(Path(argv[1]), [Path(a) for a in argv[2:]])
    elif len(argv) == 2 and argv[0] == "package":
        problems = check_package(Path(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
