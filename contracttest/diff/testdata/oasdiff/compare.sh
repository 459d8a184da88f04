#!/bin/sh
# Compares qiwicontract diff with oasdiff on a corpus of spec pairs and prints a Markdown
# table: which changes each tool flags, at which level. Run from the repository's top:
#
#   go install github.com/oasdiff/oasdiff@v1.39.0          # outside this module (GOBIN=...)
#   go build -o /tmp/qiwicontract ./contracttest/cmd/qiwicontract
#   QIWI_DIFF_CORPUS=/tmp/corpus go test -run TestCorpusMutations ./contracttest/diff/
#   contracttest/diff/testdata/oasdiff/compare.sh OASDIFF /tmp/qiwicontract /tmp/corpus
#
# The corpus is the one-change pairs the test writes (DIR/NAME/old.yaml, new.yaml) and the
# history of spec/qiwi.resolved.yaml, each commit against its parent (DIR/history-REV). The
# last column lists the operations oasdiff calls broken (level ERR) that no breaking change
# of ours touches: it should stay empty. Needs jq.
set -eu
oasdiff=$1 qc=$2 corpus=$3

git log --format=%h -- spec/qiwi.resolved.yaml | while read -r rev; do
	git cat-file -e "$rev^:spec/qiwi.resolved.yaml" 2>/dev/null || continue
	mkdir -p "$corpus/history-$rev"
	git show "$rev^:spec/qiwi.resolved.yaml" >"$corpus/history-$rev/old.yaml"
	git show "$rev:spec/qiwi.resolved.yaml" >"$corpus/history-$rev/new.yaml"
done

echo "| pair | oasdiff ERR | oasdiff WARN | oasdiff INFO | ours breaking-wire | ours breaking-go | ours warning | ours info | oasdiff ERR operations we do not flag |"
echo "|---|---|---|---|---|---|---|---|---|"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in "$corpus"/*/; do
	d=${d%/}
	"$oasdiff" changelog "$d/old.yaml" "$d/new.yaml" -f json >"$tmp/o.json"
	"$qc" diff --format json --fail-on never "$d/old.yaml" "$d/new.yaml" >"$tmp/q.json"
	oas() { jq -r --argjson l "$1" '[.[] | select(.level == $l) | .id] | group_by(.) | map(.[0] + (if length > 1 then " ×\(length)" else "" end)) | join(", ")' "$tmp/o.json"; }
	ours() { jq -r --arg l "$1" '[.changes[] | select(.level == $l) | .rule] | group_by(.) | map(.[0] + (if length > 1 then " ×\(length)" else "" end)) | join(", ")' "$tmp/q.json"; }
	missed=$(jq -rn --slurpfile o "$tmp/o.json" --slurpfile q "$tmp/q.json" '
		([$o[0][] | select(.level == 3) | (.operationId // (.operation + " " + .path))] | unique) -
		([$q[0].changes[] | select(.breaking) | .operations[]?] | unique) | join(", ")')
	echo "| $(basename "$d") | $(oas 3) | $(oas 2) | $(oas 1) | $(ours breaking-wire) | $(ours breaking-go) | $(ours warning) | $(ours info) | $missed |"
done
