"""What Chalice's deployed-state file (``.chalice/deployed/<stage>.json``) says the deploy
needs: the ids of the REST and WebSocket APIs Chalice created, and the stack parameters that
point the live-update pushes and the tickets at the WebSocket API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

WEBSOCKET_PARAMETERS = ("WebsocketEndpoint", "WebsocketUrl")


def _deployed_id(state_file: Path, resource_type: str) -> str | None:
    """The id of the first ``resource_type`` Chalice recorded (``<type>_id``), or None."""
    if not state_file.is_file():
        return None
    for resource in json.loads(state_file.read_text()).get("resources", []):
        if resource.get("resource_type") == resource_type:
            found = resource.get(f"{resource_type}_id")
            return str(found) if found else None
    return None


def rest_api_id(state_file: Path) -> str | None:
    """The REST API chalice created, from its deployed-state file."""
    return _deployed_id(state_file, "rest_api")


def websocket_api_id(state_file: Path) -> str | None:
    """The WebSocket API chalice created, from its deployed-state file."""
    return _deployed_id(state_file, "websocket_api")


def websocket_parameters(
    api_id: str | None, region: str, stage: str, outputs: Mapping[str, str]
) -> dict[str, str]:
    """The stack parameters that point the pushes and the tickets at the WebSocket API
    ``api_id`` (its stage is the Chalice stage's ``api_gateway_stage``, the stage's name);
    empty when there is none or the stack already has them."""
    if not api_id:
        return {}
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    wanted = {
        "WebsocketEndpoint": f"https://{host}/{stage}",
        "WebsocketUrl": f"wss://{host}/{stage}/",
    }
    return {} if all(outputs.get(k) == v for k, v in wanted.items()) else wanted
