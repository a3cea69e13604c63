"""What the adapters and the local provider read out of provider text: MailU's ``dns_dkim``
zone line, a cloud-init document's MailU settings, and the step faults' bookkeeping."""

from __future__ import annotations

import base64

import pytest

from chalicelib.provisioning.mailu import parse_dns_dkim
from infrastructure.local.providers.cloud_init import mailu_env, parse_env
from infrastructure.local.providers.faults import StepFaults

KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 300


def test_dns_dkim_in_one_quoted_string():
    record = f'dkim._domainkey.example.com. 600 IN TXT "v=DKIM1; k=rsa; p={KEY}"'
    key = parse_dns_dkim(record)
    assert key is not None
    assert (key.selector, key.public_key_b64) == ("dkim", KEY)


def test_dns_dkim_split_in_250_byte_pieces_and_another_selector():
    txt = f"v=DKIM1; k=rsa; p={KEY}"
    pieces = " ".join(f'"{txt[i : i + 250]}"' for i in range(0, len(txt), 250))
    key = parse_dns_dkim(f"mail2024._domainkey.example.com. 600 IN TXT {pieces}")
    assert key is not None
    assert (key.selector, key.public_key_b64) == ("mail2024", KEY)


def test_dns_dkim_without_a_key_is_none():
    assert parse_dns_dkim('dkim._domainkey.example.com. 600 IN TXT "v=DKIM1; k=rsa; p="') is None


def test_mailu_env_from_cloud_config():
    document = (
        "#cloud-config\nwrite_files:\n  - path: /etc/other\n    content: X=1\n"
        "  - path: /mailu/mailu.env\n    content: |\n      # MailU\n      API_TOKEN=abc\n"
        "      HOSTNAMES=mail.a.test,mx.a.test\n      DOMAIN='a.test'\n"
    )
    assert mailu_env(document) == {
        "API_TOKEN": "abc",
        "HOSTNAMES": "mail.a.test,mx.a.test",
        "DOMAIN": "a.test",
    }


def test_mailu_env_base64_content():
    content = base64.b64encode(b"API_TOKEN=t0k\n").decode()
    document = (
        "#cloud-config\nwrite_files:\n  - path: /mailu/mailu.env\n"
        f"    encoding: b64\n    content: {content}\n"
    )
    assert mailu_env(document) == {"API_TOKEN": "t0k"}


@pytest.mark.parametrize(
    "document",
    ["", "#!/bin/sh\necho hi", "#cloud-config\n: : [", "#cloud-config\nwrite_files: 3",
     "#cloud-config\n- a list"],
)  # fmt: skip
def test_mailu_env_of_anything_else_is_empty(document):
    assert mailu_env(document) == {}


def test_parse_env_skips_what_is_no_setting():
    assert parse_env("\n#A=1\nB\nC = 2 \n") == {"C": "2"}


def test_step_fault_once_is_taken_once():
    faults = StepFaults()
    faults.fail("CreateVps", "once")
    assert [faults.take("CreateVps") for _ in range(3)] == [True, False, False]
    assert not faults.take("PublishDns")


def test_step_fault_always_until_cleared():
    faults = StepFaults()
    faults.fail("IssueCertificate", "always")
    assert all(faults.take("IssueCertificate") for _ in range(5))
    faults.clear()
    assert not faults.take("IssueCertificate")
    assert faults.state() == {"armed": {}, "injected": {"IssueCertificate": 5}}


def test_step_fault_mode_must_be_known():
    with pytest.raises(ValueError, match="once"):
        StepFaults().fail("CreateVps", "sometimes")
