#!/usr/bin/env bash
# The first README command: installs everything a fresh Debian machine needs, builds scaptool
# (Rust core, TypeScript, fixture plugins), then runs the main job on the bundled default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm run build
npm run demo
