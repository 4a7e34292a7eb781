# --json of build, check, graph, verify and gc: one JSON document on stdout
# whatever the outcome, its values the store's own (docs/json.md).

store=$(new_store)
recipes=$(scratch)
machines=$(scratch)
work=$(scratch)
cp -r "$REPO/tests/fixtures/recipes/." "$recipes/"
cp -r "$REPO/tests/fixtures/repro/embeds-date" "$REPO/recipes/hello" "$recipes/"
cp -r "$REPO/tests/fixtures/machines/tiny" "$machines/"
cb() {
	(cd "$work" && "$CLOISTER" "$@" --store "$store" --recipes "$recipes" --machines "$machines" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton")
}
# the commands of the whole store take no recipes or machines
cs() { "$CLOISTER" "$@" --store "$store"; }
# one_doc NAME FILE: FILE is exactly one JSON document
one_doc() {
	if jq -e . "$2" >/dev/null 2>&1 && [ "$(jq -s length "$2")" = 1 ]; then
		pass "$1: stdout is one JSON document"
	else
		fail "$1: stdout is one JSON document" "$(head -c 400 "$2")"
	fi
}
# q FILE FILTER: the filter's raw value
q() { jq -r "$2" "$1"; }
j=$TMPDIR/json.$$

# build -r: the entry, its hashes, verdict, timings and log are the store's
cb build -r hello --json >"$j" 2>"$j.err"
expect "build --json exits 0" "0" "$?"
one_doc "build -r hello" "$j"
expect "...even with the progress lines, which go to stderr" "yes" \
	"$(grep -q 'hello 1.0 built twice, identical' "$j.err" && echo yes)"
entry=$(q "$j" '.recipes[0].entry')
expect "...command, what, ok" "build hello recipe true" "$(q "$j" '[.command, .what, .target, .ok] | join(" ")')"
expect_match "...the entry is a store entry" "$store/store/*-hello-1.0" "$entry"
expect "...its output hash is the entry's output-hash file" "$(cat "$entry/output-hash")" \
	"$(q "$j" '.recipes[0].output_hash')"
expect "...its input hash is the one the entry is stored under" "$(basename "$entry" | cut -c1-64)" \
	"$(q "$j" '.recipes[0].input_hash')"
expect "...built, identical, asked for" "built identical true" \
	"$(q "$j" '.recipes[0] | [.outcome, .verdict, .root] | map(tostring) | join(" ")')"
expect "...the log is the entry's" "$entry/log" "$(q "$j" '.recipes[0].log')"
expect "...timings: the wall clock and CPU it took" "true true" \
	"$(q "$j" '.recipes[0] | [.seconds > 0, .cpu_seconds > 0] | map(tostring) | join(" ")')"
human=$(cb build -r hello 2>/dev/null)
expect "without --json: the entry on stdout, as before" "$entry" "$human"
cb build -r hello --json >"$j" 2>/dev/null
expect "a second build: cached, the same entry, no time spent" "cached identical $entry 0" \
	"$(q "$j" '.recipes[0] | [.outcome, .verdict, .entry, .seconds] | map(tostring) | join(" ")')"

# every recipe of the graph, a build-need after what it needs
cb build -r app --json >"$j" 2>/dev/null
one_doc "build -r app" "$j"
expect "build-needs are reported too, before what needs them, not asked for" "base:false app:true" \
	"$(q "$j" '[.recipes[] | "\(.name):\(.root)"] | join(" ")')"
expect "...each with its own entry's output hash" \
	"$(cat "$(q "$j" '.recipes[0].entry')/output-hash") $(cat "$(q "$j" '.recipes[1].entry')/output-hash")" \
	"$(q "$j" '[.recipes[].output_hash] | join(" ")')"

# --no-check, then checked: the verdict follows
cb build -r slow --no-check -q --json >"$j" 2>/dev/null
expect "--no-check: built, not checked" "built not checked" "$(q "$j" '.recipes[0] | "\(.outcome) \(.verdict)"')"
cb build -r slow -q --json >"$j" 2>/dev/null
expect "...a checked build then checks the stored entry against a varied rebuild" "checked identical true" \
	"$(q "$j" '.recipes[0] | [.outcome, .verdict, .checked_against_store] | map(tostring) | join(" ")')"

# check: rebuilt twice, held to the store
cb check -r hello --json >"$j" 2>/dev/null
expect "check --json exits 0" "0" "$?"
one_doc "check -r hello" "$j"
expect "check: checked, identical, against the store, the same entry" "check checked identical true $entry" \
	"$(q "$j" '[.command, (.recipes[0] | .outcome, .verdict, .checked_against_store, .entry)] | map(tostring) | join(" ")')"

# a failed build: the document says so, with the kept log; exit 1
cb build -r fails --json >"$j" 2>/dev/null
expect "a failed build exits 1 with --json too" "1" "$?"
one_doc "build -r fails" "$j"
expect "...ok false, the class and exit status of the error" "false build failed 1" \
	"$(q "$j" '[.ok, .error.class, .error.exit] | map(tostring) | join(" ")')"
log=$(q "$j" '.recipes[0].log')
expect "...the recipe failed, no entry, and its log is the one kept" "failed null $store/logs/fails-1.failed.log" \
	"$(q "$j" '.recipes[0] | [.outcome, .entry, .log] | map(tostring) | join(" ")')"
expect "...which holds the build's output" "yes" "$(grep -q 'this recipe always fails' "$log" && echo yes)"
# what a failure kept from starting is said too
mkdir "$recipes/after-fails"
printf 'name: after-fails\nversion: 1\nlicense: MIT\nbuild-needs: fails\n' >"$recipes/after-fails/recipe"
echo true >"$recipes/after-fails/build"
cb build -r after-fails --json >"$j" 2>/dev/null
expect "a recipe whose build-need failed: not built" "fails:failed after-fails:not built" \
	"$(q "$j" '[.recipes[] | "\(.name):\(.outcome)"] | join(" ")')"

# not reproducible: the differences, the culprit, the kept pair
cb build -r embeds-date --json >"$j" 2>/dev/null
expect "a build that is not reproducible exits 1" "1" "$?"
one_doc "build -r embeds-date" "$j"
expect "...its class" "not reproducible 1" "$(q "$j" '"\(.error.class) \(.error.exit)"')"
expect "...outcome and verdict" "not reproducible not reproducible" \
	"$(q "$j" '.recipes[0] | "\(.outcome) \(.verdict)"')"
expect "...the differing file and what differs" "/usr/share/built-at content 1" \
	"$(q "$j" '.recipes[0] | "\(.differences[0].path) \(.differences[0].what) \(.differences_total)"')"
expect "...the culprit" "wall clock (build B ran later)" "$(q "$j" '.recipes[0].differs_when')"
kept=$(q "$j" '.recipes[0].kept')
expect_match "...the pair is kept where it says" "$store/store/tmp/embeds-date-1-*" "$kept"
expect "...with the report it names, of as many differences" "$(q "$j" '.recipes[0].differences_total')" \
	"$(jq '.differences | length' "$(q "$j" '.recipes[0].report')")"
expect "...and A's log" "yes" "$([ -f "$(q "$j" '.recipes[0].log')" ] && [ "$(q "$j" '.recipes[0].log')" = "$kept/a/log" ] && echo yes)"

# bad input: the error document, exit 2
cb build -r cycle-a --json >"$j" 2>/dev/null
expect "a cycle: exit 2" "2" "$?"
one_doc "build -r cycle-a" "$j"
expect_match "...bad input, with the message" "false bad input *dependency cycle*" \
	"$(q "$j" '"\(.ok) \(.error.class) \(.error.message)"')"

# graph: nodes and edges, the same as the DOT
cb graph -r app --json >"$j" 2>/dev/null
one_doc "graph -r app" "$j"
expect "graph --json: the nodes in build order" "base app" "$(q "$j" '[.nodes[].name] | join(" ")')"
expect "...the edge DOT draws" "$(cb graph -r app | sed -n 's/^	"\([a-z]*\)" -> "\([a-z]*\)" \[label="\([a-z-]*\)".*/\1 \2 \3/p')" \
	"$(q "$j" '.edges[] | "\(.from) \(.to) \(.kind)"')"
expect "...app is the root, with its version and seed set" "app 1 base true" \
	"$(q "$j" '.nodes[1] | [.name, .version, .seed, .root] | map(tostring) | join(" ")')"
cb graph -r no-such --json >"$j" 2>/dev/null
expect "graph of a missing recipe: exit 2, one error document" "2 1 false" "$? $(jq -s length "$j") $(q "$j" .ok)"

# the machine: its packages, then the initramfs
cb build --initramfs-only tiny --json >"$j" 2>/dev/null
expect "build MACHINE --json exits 0" "0" "$?"
one_doc "build --initramfs-only tiny" "$j"
cpio=$(q "$j" '.machine.initramfs.cpio')
expect "...the initramfs it names is the one installed" "$(sha256sum <"$work/output/machines/tiny/initramfs.cpio")" \
	"$(sha256sum <"$cpio")"
expect "...the output folder, absolute, and no image (--initramfs-only)" "$work/output/machines/tiny null" \
	"$(q "$j" '"\(.machine.output) \(.machine.image)"')"
expect "...every package, the listed one asked for" "image-base:false image-extra:true" \
	"$(q "$j" '[.recipes[] | "\(.name):\(.root)"] | sort | join(" ")')"

cb check tiny --json >"$j" 2>/dev/null
expect "check MACHINE --json: a machine, every recipe checked, nothing assembled" "machine checked checked null" \
	"$(q "$j" '[.target, (.recipes[].outcome), .machine] | map(tostring) | join(" ")')"

# verify: every entry, and what is bad
cs verify --json >"$j" 2>/dev/null
expect "verify --json exits 0 on a sound store" "0" "$?"
one_doc "verify" "$j"
expect "...one entry per store entry, each ok" "$(ls "$store/store" | grep -c '^[0-9a-f]\{64\}-') true" \
	"$(q "$j" '"\(.checked) \([.entries[].ok] | all)"')"
chmod u+w "$entry/out/usr/bin/hello"
printf 'tampered' >>"$entry/out/usr/bin/hello"
chmod u-w "$entry/out/usr/bin/hello"
cs verify --json >"$j" 2>/dev/null
expect "verify --json of a damaged entry exits 1" "1" "$?"
one_doc "verify (damaged)" "$j"
expect "...names it, what is wrong and which file" "$(basename "$entry") out/ no longer matches its manifest yes" \
	"$(q "$j" '.entries[] | select(.ok | not) | "\(.name) \(.problem)"') $(q "$j" '.entries[] | select(.ok | not) | .near' | grep -q /usr/bin/hello && echo yes)"
expect "...ok false, one damaged" "false 1 i/o" "$(q "$j" '"\(.ok) \(.damaged) \(.error.class)"')"
cb verify tiny --json >"$j" 2>/dev/null
expect "verify MACHINE --json without an image: exit 2, the error document" "2 false" "$? $(q "$j" .ok)"

# gc: what was removed
cs gc --json >"$j" 2>/dev/null
expect "gc --json exits 0" "0" "$?"
one_doc "gc" "$j"
expect "...the kept pair it removed is the one the build kept" "$kept" \
	"$(q "$j" '.removed[] | select(.kind == "kept pair") | .path')"
expect "...and it is gone" "no" "$([ -e "$kept" ] && echo yes || echo no)"
expect "...the failed log too, and the counts" "yes 1" \
	"$(q "$j" '.removed[] | select(.kind == "log") | .path' | grep -q 'fails-1.failed.log' && echo yes) $(q "$j" .counts.kept_pairs)"
cs gc --json >"$j" 2>/dev/null
expect "a second gc removes nothing" "0" "$(q "$j" '.removed | length')"

# interrupted: still one document, the interrupt's class and status
sleepers() { pgrep -f "sleep 60" -u "$(id -u)" | wc -l; }
(cd "$work" && exec "$CLOISTER" build -r sleeper --json -q --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton") >"$j" 2>/dev/null &
pid=$!
eventually 2 sleepers >/dev/null
kill -s INT "$pid"
wait "$pid"
expect "SIGINT during build --json: exit 130" "130" "$?"
one_doc "build interrupted" "$j"
expect "...the interrupt's class" "false interrupted 130" "$(q "$j" '"\(.ok) \(.error.class) \(.error.exit)"')"
expect "no sandbox is left running" "0" "$(eventually 0 sleepers)"
rm -f "$j" "$j.err"
