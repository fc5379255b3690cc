#!/usr/bin/env bash
# The main job on the bundled default: record 1,000 events live from the project's `dummy`
# plugin (the developers guide's Go reference plugin, built on plugin-sdk-go), then replay the
# capture through the plugin and prove every field returns the live run's value.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=fixtures/plugins/build/go/libdummy.so
mkdir -p .demo
./bin/run.js record --plugin "$plugin" \
  --init-config '{"jitter": 10}' --open-params '{"start": 1, "maxEvents": 1000}' \
  --field 'dummy.divisible[3]' --output .demo/dummy.scap
echo
./bin/run.js replay .demo/dummy.scap --plugin "$plugin"
