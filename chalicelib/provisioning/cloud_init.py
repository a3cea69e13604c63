"""The cloud-init user data a new server boots with: Docker, then MailU (Postfix, Dovecot,
rspamd) from its compose file, configured for the server's domain with the admin API on and
the bearer token provisioning talks to it with. Pure text; the token is never logged."""

from __future__ import annotations

import secrets

MAILU_VERSION = "2024.06"
MAILU_ENV = "/mailu/mailu.env"


def new_admin_token() -> str:
    return secrets.token_urlsafe(32)


def user_data(domain: str, hostname: str, admin_token: str) -> str:
    """``#cloud-config`` installing Docker and starting MailU for ``domain`` at ``hostname``."""
    env = "\n".join(
        f"      {line}"
        for line in (
            f"DOMAIN={domain}",
            f"HOSTNAMES={hostname}",
            "POSTMASTER=postmaster",
            "TLS_FLAVOR=cert",
            "API=true",
            f"API_TOKEN={admin_token}",
            f"SECRET_KEY={secrets.token_hex(16)}",
            "ANTISPAM=rspamd",
            f"VERSION={MAILU_VERSION}",
        )
    )
    return (
        "#cloud-config\n"
        "package_update: true\n"
        "packages: [docker.io, docker-compose-plugin]\n"
        "write_files:\n"
        f"  - path: {MAILU_ENV}\n"
        "    permissions: '0600'\n"
        "    content: |\n"
        f"{env}\n"
        "runcmd:\n"
        "  - [systemctl, enable, --now, docker]\n"
        f"  - [curl, -fsSLo, /mailu/docker-compose.yml, "
        f"'https://setup.mailu.io/{MAILU_VERSION}/file/docker-compose.yml']\n"
        "  - [docker, compose, --project-directory, /mailu, up, -d]\n"
    )
