#!/usr/bin/env bash
# Sourced by the README commands: makes .venv (once, or again when requirements-test.txt changes) and puts it on
# PATH, so both commands work on a fresh machine with only Python 3.11.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
python_bin="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"
# Hash the contents only, so checkouts of the same requirements in other folders share a venv.
wanted="$(cat "$repo_root/requirements-test.txt" "$repo_root/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  echo "==> installing the tools into $venv"
  "$python_bin" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo_root/requirements-test.txt"
  echo "$wanted" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
export VIRTUAL_ENV="$venv"
# The collection is used from the source tree through ansible_collections/onepacs/baseline -> the repo.
mkdir -p "$repo_root/.collections/ansible_collections/onepacs"
ln -sfn ../../.. "$repo_root/.collections/ansible_collections/onepacs/baseline"
export ANSIBLE_COLLECTIONS_PATH="$repo_root/.collections"
export PYTHONPATH="$repo_root/tests/lab${PYTHONPATH:+:$PYTHONPATH}"
