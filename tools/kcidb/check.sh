#!/bin/sh
# kcidb/check.sh FILE: is FILE a KCIDB v5.3 document, and one whose links
# hold? The schema part is Debian's python3-jsonschema (Draft 7, as
# kcidb-io validates, with its format checker: "uri" is checked where
# python3-rfc3987 is installed) against tools/kcidb/schema-v5.3.json; the
# links are the checks a KCIDB database makes on ingestion: unique ids,
# every build's checkout and every test's build present, every id in
# its object's origin. One line per problem; exit 1 if there is any.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
doc=${1:?usage: kcidb/check.sh FILE}
[ -f "$doc" ] || { echo "error: kcidb check: $doc does not exist" >&2; exit 2; }
jq -e . "$doc" >/dev/null 2>&1 || { echo "error: kcidb check: $doc is not JSON" >&2; exit 2; }
py=/usr/bin/python3
"$py" -c 'import jsonschema' 2>/dev/null ||
	{ echo "error: kcidb check: python3-jsonschema is not installed (make deps)" >&2; exit 2; }

rc=0
"$py" - "$here/schema-v5.3.json" "$doc" <<'PY' || rc=1
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors[:50]:
    where = "/".join(str(p) for p in e.absolute_path) or "(top)"
    print(f"kcidb schema: {where}: {e.message[:300]}")
sys.exit(1 if errors else 0)
PY
jq -r '
	(.checkouts // []) as $c | (.builds // []) as $b | (.tests // []) as $t
	| ([$c[].id] | group_by(.) | map(select(length > 1) | "duplicate checkout id \(.[0])")[]),
	  ([$b[].id] | group_by(.) | map(select(length > 1) | "duplicate build id \(.[0])")[]),
	  ([$t[].id] | group_by(.) | map(select(length > 1) | "duplicate test id \(.[0])")[]),
	  ([$c[].id] as $ids | $b[] | select(.checkout_id as $x | $ids | index([$x]) | not)
	   | "build \(.id): checkout \(.checkout_id) is not in the document"),
	  ([$b[].id] as $ids | $t[] | select(.build_id as $x | $ids | index([$x]) | not)
	   | "test \(.id): build \(.build_id) is not in the document"),
	  (($c + $b + $t)[] | select((.origin + ":") as $o | .id | startswith($o) | not)
	   | "\(.id): id is not in origin \(.origin)")
	| "kcidb links: \(.)"' "$doc" >"$doc.links" || rc=1
if [ -s "$doc.links" ]; then
	cat "$doc.links"
	rc=1
fi
rm -f "$doc.links"
exit "$rc"
