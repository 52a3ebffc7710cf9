# Tests: unit tests are declared by each module's local.mk (tests/unit/test_*);
# this fragment carries the runner, the e2e suite and the fuzz targets.
EXTRA_DIST += tests/run.sh
