"""The AWS emulator: moto's server on loopback, with the stack deployed from the template.

``Emulator.start`` runs ``ThreadedMotoServer``, switches on Step Functions execution, then
creates the CloudFormation stack from ``infrastructure/template.yaml`` with ``Stage=local``
and waits for it. What moto's CloudFormation skips (Secrets Manager secrets) is created
here from the same template resources, with generated values. A port that cannot be bound
is an ``OSError`` (``EADDRINUSE``) at once: moto's own ``start`` would wait forever for a
server thread that died on it. ``delay`` (the platform's ``aws_slow`` fault) is asked before
each request how long to hold it first.
"""

from __future__ import annotations

import errno
import json
import secrets
import threading
import time
from collections.abc import Callable
from threading import Thread
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from infrastructure.local import moto_patches
from infrastructure.local import template as tpl

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "penguinmails-local"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class _MotoServer(ThreadedMotoServer):
    delay: Callable[[], float] | None = None

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app: Any = DomainDispatcherApplication(create_backend_app)
        if self.delay is not None:
            app = _Delayed(app, self.delay)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def start(self) -> None:
        self._thread = Thread(target=self._server_entry, name="moto", daemon=True)
        self._thread.start()
        while not self._server_ready_event.wait(0.05):
            if not self._thread.is_alive():  # werkzeug exits the thread on a bind error
                raise OSError(errno.EADDRINUSE, f"cannot listen on {self._ip_address}:{self._port}")


class _Delayed:
    """WSGI middleware: each request waits what ``delay()`` says before moto serves it."""

    def __init__(self, app: Any, delay: Callable[[], float]) -> None:
        self.app, self.delay = app, delay

    def __call__(self, environ: Any, start_response: Any) -> Any:
        wait = self.delay()
        if wait > 0:
            time.sleep(wait)
        return self.app(environ, start_response)


class Emulator:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 4566, delay: Callable[[], float] | None = None
    ) -> None:
        self.host, self.port = host, port
        self.delay = delay
        self._server: _MotoServer | None = None
        self.outputs: dict[str, str] = {}
        self.physical: dict[str, str] = {}
        self.secret_values: dict[str, str] = {}
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, service: str) -> Any:
        """One client per service, from one session: a new session per client reloads
        botocore's endpoint data (0.3-0.4 s each; the platform asks for over twenty at start,
        and the DNS server for one on each zone reload). Clients are thread-safe; creating
        them is not, hence the lock."""
        with self._clients_lock:
            found = self._clients.get(service)
            if found is None:
                if self._session is None:
                    self._session = boto3.session.Session()
                found = self._session.client(
                    service, region_name=REGION, endpoint_url=self.endpoint, **CREDENTIALS
                )
                self._clients[service] = found
            return found

    def start(self) -> None:
        _quiet_moto()
        moto_patches.apply()  # transactions that cost the same however big the tables get
        self._server = _MotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.delay = self.delay
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        with self._clients_lock:
            self._clients.clear()  # any made before the port was known point elsewhere
        requests.post(
            f"{self.endpoint}/moto-api/config",
            timeout=5,
            json={
                "stepfunctions": {"execute_state_machine": True},
                "lambda": {"use_docker": False},
            },
        )
        self._deploy_stack()
        self._ensure_secrets()

    def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.stop()
        if server._server is not None:  # moto's stop() leaves the socket bound
            server._server.server_close()

    def _deploy_stack(self) -> None:
        cfn = self.client("cloudformation")
        cfn.create_stack(
            StackName=STACK,
            # as JSON: the patched moto parses it in milliseconds (YAML took seconds)
            TemplateBody=json.dumps(tpl.load(), default=str),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": "local"}],
            Capabilities=["CAPABILITY_IAM"],
        )
        status = ""
        for _ in range(300):
            stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
            status = stack["StackStatus"]
            if not status.endswith("IN_PROGRESS"):
                break
            time.sleep(0.1)
        if status != "CREATE_COMPLETE":
            raise RuntimeError(f"local stack did not deploy: {status}")
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        resources = cfn.describe_stack_resources(StackName=STACK)["StackResources"]
        self.physical = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in resources
            if "LogicalResourceId" in r
        }  # moto lists skipped ones without ids

    def _ensure_secrets(self) -> None:
        sm = self.client("secretsmanager")
        for lid, resource in tpl.load()["Resources"].items():
            if resource["Type"] != "AWS::SecretsManager::Secret":
                continue
            name = _sub(resource["Properties"]["Name"])
            try:
                value = sm.get_secret_value(SecretId=name)["SecretString"]
            except sm.exceptions.ResourceNotFoundException:
                value = secrets.token_urlsafe(36)
                sm.create_secret(Name=name, SecretString=value)
            self.secret_values[lid] = value
            self.outputs[lid] = name

    def arn(self, logical_id: str) -> str:
        physical = self.physical[logical_id]
        if physical.startswith("http"):  # an SQS queue URL
            return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{physical.rsplit('/', 1)[1]}"
        return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{physical}"

    def describe(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "stack": STACK, "outputs": self.outputs}


def _quiet_moto() -> None:
    """No request log per call, no warning per resource moto's CloudFormation skips."""
    import logging
    import warnings

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Tried to parse AWS::")


def _sub(value: Any) -> str:
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return text.replace("${Stage}", "local").replace("${AWS::AccountId}", ACCOUNT)
