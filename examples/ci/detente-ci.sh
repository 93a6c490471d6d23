#!/usr/bin/env bash
# The policy checks for a pull request, as examples/ci/detente.yml runs them
# (and as tests/it/ci.rs runs them locally on a raised MQL threshold).
#
#   detente-ci.sh BASE_REF [POLICY]
#
# Run from the repository root, where detente.toml names the data. Writes
# into $DETENTE_OUT (default detente-out/):
#   check.sarif  every diagnostic, for GitHub code scanning
#   junit.xml    the policy tests, for a test-results tab
#   diff.md      the policy diff against BASE_REF, ready to post as a comment
# Exit status: 0 all passed; 1 the check or the policy tests failed; 3 a diff
# gate ([ci] in detente.toml) failed; 2 the tools could not run.
set -u

base="${1:?usage: detente-ci.sh BASE_REF [POLICY]}"
policy="${2:-policies/acme.detente}"
out="${DETENTE_OUT:-detente-out}"
mkdir -p "$out"

detente check --format sarif > "$out/check.sarif"
check=$?
detente test --format junit > "$out/junit.xml"
tests=$?

if git cat-file -e "$base:./$policy" 2>/dev/null; then
  detente diff "git:$base:$policy" "$policy" -o markdown > "$out/diff.md"
  diff=$?
else
  printf '### Policy change\n\n`%s` is new in this pull request: there is nothing to compare it with.\n' "$policy" > "$out/diff.md"
  diff=0
fi

echo "check: exit $check; tests: exit $tests; diff: exit $diff" >&2
if [ "$check" -ne 0 ] || [ "$tests" -ne 0 ]; then
  [ "$check" -eq 2 ] || [ "$tests" -eq 2 ] && exit 2
  exit 1
fi
exit "$diff"
