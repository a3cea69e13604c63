"""The domain decides; it never talks to AWS, SMTP, DNS or HTTP frameworks."""

import ast
from pathlib import Path

FORBIDDEN = {
    "boto3",
    "botocore",
    "chalice",
    "pynamodb",
    "aiosmtplib",
    "dns",
    "smtplib",
    "requests",
    "aws_lambda_powertools",
    "moto",
}
DOMAIN = Path(__file__).resolve().parents[2] / "chalicelib" / "domain"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_sdk():
    offenders = {p.name: sorted(_imports(p) & FORBIDDEN) for p in DOMAIN.glob("*.py")}
    assert list(DOMAIN.glob("*.py")), "the domain package is missing"
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_purity_check_catches_an_sdk_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import boto3\nfrom dns import resolver\n")
    assert _imports(bad) & FORBIDDEN == {"boto3", "dns"}
