#!/usr/bin/env bash
# Offline proof of the deploy path (ARCHITECTURE.md, "Deploying to AWS"): nothing here talks
# to AWS, and after the first run nothing talks to PyPI either. Exits non-zero on any failure.
#   1. cfn-lint on every infrastructure/**/*.yaml template, and on every state machine
#      (infrastructure/statemachines/*.asl.json, wrapped so cfn-lint checks it as ASL); then
#      our own checks of the state machines against the template, the handlers, the error
#      classes and the step names (infrastructure/deploy/asl_checks.py);
#   2. chalice package --stage dev build/chalice-package, its pip fed from build/wheelhouse
#      (Lambda-platform wheels of requirements.txt, downloaded once and again only when
#      requirements.txt changes); then cfn-lint on sam.json and a look inside deployment.zip;
#   3. pytest tests/deploy (handler imports, routes, template references, the deploy plan).
# Run from anywhere: `make validate`, or `bash infrastructure/deploy/validate.sh`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$PWD"
if [ -x "$ROOT/.venv/bin/python" ]; then
  export PATH="$ROOT/.venv/bin:$PATH"
fi
WHEELHOUSE="$ROOT/build/wheelhouse"
PACKAGE="$ROOT/build/chalice-package"
LAMBDA_WHEELS=(--platform manylinux2014_x86_64 --implementation cp --python-version 3.11
               --only-binary=:all:)

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

sha256() { python -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'; }

lint_templates() {
  step "cfn-lint: templates and state machines"
  local templates=() machines=() wrapped=() line
  while IFS= read -r line; do templates+=("$line"); done \
    < <(find infrastructure \( -name '*.yaml' -o -name '*.yml' \) -type f | sort)
  while IFS= read -r line; do machines+=("$line"); done \
    < <(find infrastructure/statemachines -name '*.asl.json' -type f 2>/dev/null | sort)
  echo "${#templates[@]} template(s), ${#machines[@]} state machine(s)"
  if [ "${#machines[@]}" -gt 0 ]; then
    rm -rf build/asl-lint && mkdir -p build
    python -m infrastructure.deploy.offline_checks asl-templates build/asl-lint \
      "${machines[@]}" > build/asl-lint.list
    while IFS= read -r line; do wrapped+=("$line"); done < build/asl-lint.list
  fi
  cfn-lint -- "${templates[@]}" ${wrapped[@]+"${wrapped[@]}"}
  step "state machines: graph, tasks, errors, rollback, step names"
  python -m infrastructure.deploy.asl_checks
}

fill_wheelhouse() {
  local want
  want="$( (cat requirements.txt; echo "${LAMBDA_WHEELS[*]}") | sha256)"
  if [ "$(cat "$WHEELHOUSE/.stamp" 2>/dev/null || true)" = "$want" ]; then
    echo "wheelhouse up to date"
    return
  fi
  echo "filling $WHEELHOUSE from PyPI (once per requirements.txt)"
  rm -rf "$WHEELHOUSE"
  # pure-Python packages published only as sdists are built into universal wheels first,
  # so the platform download below (binary only) finds them in the wheelhouse
  local sdists
  sdists="$(grep -E '#.*sdist-only' requirements.txt | sed 's/#.*//' | xargs || true)"
  if [ -n "$sdists" ]; then
    # shellcheck disable=SC2086 - one requirement per word
    python -m pip wheel --quiet --quiet --disable-pip-version-check --no-deps \
      -w "$WHEELHOUSE" $sdists
  fi
  python -m pip download --quiet --quiet --disable-pip-version-check -r requirements.txt \
    "${LAMBDA_WHEELS[@]}" --find-links "$WHEELHOUSE" -d "$WHEELHOUSE"
  echo "$want" > "$WHEELHOUSE/.stamp"
}

chalice_package() {
  step "chalice package --stage dev"
  fill_wheelhouse
  rm -rf "$PACKAGE"
  # chalice runs `python -c "...pip main([...])"` with our environment, so pip's own PIP_*
  # variables steer it: no index, only the wheelhouse, only Lambda-platform wheels whatever
  # the host is. No AWS configuration is read; the region only names ARNs in sam.json.
  env -u AWS_PROFILE \
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true \
    PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELHOUSE" PIP_ONLY_BINARY=:all: \
    PIP_PLATFORM=manylinux2014_x86_64 PIP_IMPLEMENTATION=cp PIP_PYTHON_VERSION=3.11 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    chalice package --stage dev "$PACKAGE"
  prune_chalice_cache
  python -m infrastructure.deploy.offline_checks package "$PACKAGE"
  cfn-lint -- "$PACKAGE/sam.json"
}

prune_chalice_cache() {
  # chalice caches a dependency zip (~27 MB) per hash of requirements.txt and the app's
  # sources, so every code change adds one: keep only the newest.
  local zip newest=""
  for zip in .chalice/deployments/*.zip; do
    [ -e "$zip" ] || continue
    if [ -z "$newest" ] || [ "$zip" -nt "$newest" ]; then newest="$zip"; fi
  done
  for zip in .chalice/deployments/*.zip; do
    if [ -e "$zip" ] && [ "$zip" != "$newest" ]; then rm -f "$zip"; fi
  done
}

run_tests() {
  step "pytest tests/deploy"
  python -m pytest tests/deploy -q
}

lint_templates
chalice_package
run_tests
step "validate.sh passed"
