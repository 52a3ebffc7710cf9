# Tests: unit tests are declared by each module's local.mk (tests/unit/test_*);
# this fragment carries the runner, the e2e suite and the fuzz targets.
EXTRA_DIST += tests/run.sh
# The core's include graph (HACKING.md), checked by e2e/core-deps.test.mjs.
EXTRA_DIST += tools/core-deps
