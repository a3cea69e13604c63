"""The state machines' lint: the real definitions pass cfn-lint's ASL schema (E3601, through
the wrapping ``validate.sh`` does) and our own checks (``asl_checks``); a broken copy fails
each, one check at a time, so no check passes by accident."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infrastructure.deploy import asl_checks, offline_checks
from infrastructure.local import template as tpl

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = tpl.load()
MACHINES = {m.definition.name.removesuffix(".asl.json"): m for m in tpl.state_machines(TEMPLATE)}
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
Definition = dict[str, Any]


def definition(stem: str) -> Definition:
    return json.loads(MACHINES[stem].definition.read_text())


def problems(stem: str, changed: Definition, template: dict[str, Any] | None = None) -> list[str]:
    return asl_checks.check_machine(MACHINES[stem], template or TEMPLATE, changed)


def test_the_template_has_its_state_machines_and_they_pass_every_check():
    assert set(MACHINES) == {"provision", "decommission", "warmup"}
    assert asl_checks.check(TEMPLATE) == []
    assert asl_checks.main() == 0


# --- each check fails on a broken copy -----------------------------------------------------


def _states(d: Definition) -> dict[str, Any]:
    return d["States"]


def _next_to_nowhere(d: Definition) -> None:
    _states(d)["CreateVps"]["Next"] = "Nowhere"


def _choice_to_nowhere(d: Definition) -> None:
    _states(d)["IpReady"]["Default"] = "Nowhere"


def _catch_to_nowhere(d: Definition) -> None:
    _states(d)["RollbackDns"]["Catch"][0]["Next"] = "Nowhere"


def _unreachable(d: Definition) -> None:
    _states(d)["Orphan"] = {"Type": "Succeed"}


def _dead_end(d: Definition) -> None:
    del _states(d)["StartWarmup"]["Next"]


def _unknown_placeholder(d: Definition) -> None:
    _states(d)["CreateVps"]["Resource"] = "${MakeVpsFunctionArn}"


def _literal_resource(d: Definition) -> None:
    _states(d)["CreateVps"]["Resource"] = "arn:aws:lambda:us-east-1:1:function:x"


def _unknown_error(d: Definition) -> None:
    _states(d)["PublishDns"]["Retry"][0]["ErrorEquals"] = ["DnsNotVisibel"]


def _error_retried_twice(d: Definition) -> None:
    retry = _states(d)["HealthCheck"]["Retry"]
    retry.append({**retry[0], "IntervalSeconds": 1})


def _no_catch(d: Definition) -> None:
    del _states(d)["IssueCertificate"]["Catch"]


def _catch_elsewhere(d: Definition) -> None:
    _states(d)["PollVps"]["Catch"][0]["Next"] = "RolledBack"


def _rollback_stops(d: Definition) -> None:
    _states(d)["RollbackDns"]["Catch"][0]["Next"] = "ProvisioningFailed"


def _notify_rolls_back(d: Definition) -> None:
    _states(d)["Notify"]["Catch"] = [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}
    ]


def _renamed_step(d: Definition) -> None:
    states = _states(d)
    states["ConfigureMailServer"] = states.pop("ConfigureServer")
    states["IpReady"]["Choices"][0]["Next"] = "ConfigureMailServer"


def _steps_swapped(d: Definition) -> None:
    states = _states(d)
    states["CreateMailDomain"]["Next"] = "CreateMailboxes"
    states["ConfigureServer"]["Next"] = "CreateMailboxes"
    states["CreateMailboxes"]["Next"] = "CreateMailDomain"
    states["CreateMailDomain"]["Next"] = "PublishDns"


def _no_state_name(d: Definition) -> None:
    del _states(d)["Ready"]["Parameters"]["state.$"]


def _no_tenant(d: Definition) -> None:
    del _states(d)["Ready"]["Parameters"]["tenant_id.$"]


def _short_timeout(d: Definition) -> None:
    _states(d)["IssueCertificate"]["TimeoutSeconds"] = 60


BROKEN: dict[str, tuple[Callable[[Definition], None], str]] = {
    "a Next to no state": (_next_to_nowhere, "'Nowhere', no such state"),
    "a Choice Default to no state": (_choice_to_nowhere, "'Nowhere', no such state"),
    "a Catch to no state": (_catch_to_nowhere, "'Nowhere', no such state"),
    "an unreachable state": (_unreachable, "Orphan: unreachable"),
    "a dead end": (_dead_end, "StartWarmup: a dead end"),
    "an unknown placeholder": (_unknown_placeholder, "MakeVpsFunctionArn is no Definition"),
    "a literal resource": (_literal_resource, "placeholder"),
    "an unknown error name": (_unknown_error, "'DnsNotVisibel', no error class"),
    "an error retried twice": (_error_retried_twice, "in two of its Retry entries"),
    "a provision task without Catch": (_no_catch, "IssueCertificate: must catch States.ALL"),
    "a Catch elsewhere": (_catch_elsewhere, "PollVps: must catch States.ALL into RecordFailure"),
    "a rollback that stops": (_rollback_stops, "RollbackDns: a rollback task must catch"),
    "Notify rolls a ready server back": (_notify_rolls_back, "Notify: comes after Ready"),
    "a step renamed": (_renamed_step, "['ConfigureMailServer'] are not in rules.py"),
    "steps swapped": (_steps_swapped, "rules.PROVISION_STEPS says"),
    "no state name": (_no_state_name, "Ready: Parameters must give its state name"),
    "no tenant": (_no_tenant, "Ready: Parameters lack tenant_id.$"),
    "a task timeout shorter than its function's": (_short_timeout, "must exceed"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_provision_machine_is_reported(case):
    # given the real provision definition, broken in one way
    breaking, expected = BROKEN[case]
    changed = copy.deepcopy(definition("provision"))
    breaking(changed)
    # then the checks name that problem
    found = problems("provision", changed)
    assert any(expected in p for p in found), found


def _warmup_no_run(d: Definition) -> None:
    del _states(d)["SendDay"]["Parameters"]["run.$"]


def _warmup_unknown_error(d: Definition) -> None:
    _states(d)["CloseDay"]["Retry"][1]["ErrorEquals"] = ["ProviderUnavailable"]


def _warmup_days_swapped(d: Definition) -> None:
    states = _states(d)
    states["IsOpen"]["Choices"][0]["Next"] = "WaitDay"
    states["WaitDay"]["Next"] = "SendDay"
    states["SendDay"]["Next"] = "StartSettling"


def _warmup_loop_to_nowhere(d: Definition) -> None:
    _states(d)["NextDay"]["Choices"][0]["Next"] = "OpenTomorrow"


def _warmup_server_handler(d: Definition) -> None:
    _states(d)["HandOver"]["Resource"] = "${MarkReadyFunctionArn}"


WARMUP_BROKEN: dict[str, tuple[Callable[[Definition], None], str]] = {
    "a task without its run": (_warmup_no_run, "SendDay: Parameters lack run.$"),
    "a provisioning error": (_warmup_unknown_error, "'ProviderUnavailable', no error class"),
    "the day's steps swapped": (_warmup_days_swapped, "day.DAY_STEPS says"),
    "the loop to no state": (_warmup_loop_to_nowhere, "'OpenTomorrow', no such state"),
    "another machine's function": (_warmup_server_handler, "MarkReadyFunctionArn is no"),
}


@pytest.mark.parametrize("case", sorted(WARMUP_BROKEN))
def test_a_broken_warmup_machine_is_reported(case):
    breaking, expected = WARMUP_BROKEN[case]
    changed = copy.deepcopy(definition("warmup"))
    breaking(changed)
    found = problems("warmup", changed)
    assert any(expected in p for p in found), found


def test_a_warmup_task_running_a_provisioning_handler_is_reported():
    template = copy.deepcopy(TEMPLATE)
    props = template["Resources"]["WarmupCloseDayFunction"]["Properties"]
    props["Handler"] = "functions.provisioning.mark_ready"
    found = problems("warmup", definition("warmup"), template)
    assert any("not a functions.warmup handler" in p for p in found), found


def test_a_decommission_step_out_of_order_is_reported():
    changed = definition("decommission")
    changed["StartAt"] = "RemoveDns"
    changed["States"]["RemoveDns"]["Next"] = "RemoveMailboxes"
    changed["States"]["RemoveMailboxes"]["Next"] = "RevokeCertificate"
    found = problems("decommission", changed)
    assert any("rules.DECOMMISSION_STEPS says" in p for p in found), found


def test_a_substitution_to_a_function_with_another_handler_is_reported():
    # given a template whose CreateVps function runs a handler provisioning.py lacks
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["CreateVpsFunction"]["Properties"]["Handler"] = (
        "functions.provisioning.make_vps"
    )
    found = problems("provision", definition("provision"), template)
    assert any("runs functions.provisioning.make_vps" in p for p in found), found


def test_a_substitution_no_task_uses_is_reported():
    template = copy.deepcopy(TEMPLATE)
    subs = template["Resources"]["DecommissionStateMachine"]["Properties"]
    subs["DefinitionSubstitutions"]["SpareFunctionArn"] = {"Fn::GetAtt": ["NotifyFunction", "Arn"]}
    machine = next(
        m for m in tpl.state_machines(template) if m.logical_id == "DecommissionStateMachine"
    )
    found = asl_checks.check_machine(machine, template, definition("decommission"))
    assert any("SpareFunctionArn is used by no task" in p for p in found), found


def test_a_state_machine_role_invoking_more_or_less_than_its_tasks_is_reported():
    # given the state machines' role, with one task function dropped and another added
    template = copy.deepcopy(TEMPLATE)
    role = template["Resources"]["ProvisioningStateMachineRole"]["Properties"]
    resources = role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"]
    resources.remove({"Fn::GetAtt": ["DeleteVpsFunction", "Arn"]})
    resources.append({"Fn::GetAtt": ["NotifierFunction", "Arn"]})
    found = asl_checks.role_problems(tpl.state_machines(template), template)
    assert len(found) == 1 and "NotifierFunction" in found[0] and "DeleteVpsFunction" in found[0]


def test_the_error_names_are_the_error_classes():
    names = asl_checks.error_names()
    assert {"ProviderUnavailable", "ServerNotReady", "CertificateRejected"} <= names
    assert "annotations" not in names
    warmup = asl_checks.error_names(asl_checks.RULES["warmup"].errors)
    assert "WarmupTaskFailed" in warmup and "ProviderUnavailable" not in warmup


# --- cfn-lint's ASL schema, the way validate.sh runs it -------------------------------------


def cfn_lint(files: list[Path], out: Path) -> subprocess.CompletedProcess[str]:
    assert offline_checks.write_asl_templates(out, files) == []
    wrapped = sorted(str(p) for p in out.glob("*.template.json"))
    return subprocess.run(
        [str(CFN_LINT), "--", *wrapped], capture_output=True, text=True, check=False
    )


def test_cfn_lint_passes_the_real_definitions_and_fails_a_broken_one(tmp_path, capsys):
    # given the real definitions, and a copy of provision whose Choice compares a string
    real = [m.definition for m in MACHINES.values()]
    broken = copy.deepcopy(definition("provision"))
    broken["States"]["IpReady"]["Choices"][0]["BooleanEquals"] = "yes"
    broken["States"]["WaitForIp"]["Seconds"] = "ten"
    (tmp_path / "broken.asl.json").write_text(json.dumps(broken))
    # then cfn-lint accepts the real ones and names E3601 on the copy
    ok = cfn_lint(real, tmp_path / "real")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    failed = cfn_lint([tmp_path / "broken.asl.json"], tmp_path / "broken")
    assert failed.returncode != 0
    assert failed.stdout.count("E3601") >= 2, failed.stdout


def test_every_function_gets_every_setting_it_cannot_start_without():
    # settings() reads every required variable at once: a function missing one fails on
    # its first call (26 functions did, until this test)
    from chalicelib.core.resources import SOURCES

    required = {s.env for s in SOURCES.values() if s.default is None}
    for name, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        env = set(resource["Properties"].get("Environment", {}).get("Variables", {}))
        assert required <= env, (name, sorted(required - env))


def test_the_warmup_tasks_get_every_setting_they_cannot_run_without():
    from chalicelib.core.resources import SOURCES, table_env

    required = {s.env for s in SOURCES.values() if s.default is None}
    required |= {table_env("WarmupsTable"), table_env("MailboxesTable"), "PM_WARMUP_DAY_SECONDS"}
    for function in set(MACHINES["warmup"].substitutions.values()):
        env = TEMPLATE["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert required <= set(env), (function, sorted(required - set(env)))
