# The reproducibility checker: every build twice, B varied and later; on a
# difference nothing is published, and the culprit search names the factor.

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/tests/fixtures/repro/." "$recipes/"
cp -r "$REPO/recipes/hello" "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" -q \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}

# caught <recipe> <factor>: the build fails, names the factor, publishes nothing
caught() {
	out=$(cb build -r "$1" 2>&1; echo "status=$?")
	expect_match "$1 is caught and attributed to: $2" "*is not reproducible*differs when: $2*status=1" "$out"
	expect "$1: nothing is published" "" "$(ls "$store/store" | grep -- "-$1-")"
}
caught embeds-date "wall clock (build B ran later)"
caught embeds-path "build path"
caught embeds-uname "hostname and uname"
caught embeds-uid "user id"
caught embeds-random "nondeterminism*"
caught embeds-jobs "job count and CPUs"
caught lists-readdir "filesystem and directory order"
caught umask-modes "umask"
caught ignores-sde "wall clock (build B ran later); timezone and locale"

out=$(cb build -r embeds-path 2>&1)
kept=$(echo "$out" | sed -n 's/.*kept in \([^ ]*\) (a\/ and b\/.*/\1/p')
expect "the failing pair is kept" "a b reproducibility.json" "$(ls "$kept" | grep -v diffoscope | tr '\n' ' ' | sed 's/ $//')"
expect_match "the report names the file, what differs and the first differing byte" \
	"*/usr/share/built-in: size: 7 vs 20 bytes; first difference at byte 1*" "$out"
expect_match "reproducibility.json of the pair says which factor" "*\"differs_when\": \"build path\"*" \
	"$(cat "$kept/reproducibility.json")"
expect "cloister diff on the kept pair: exit 1" "1" "$("$CLOISTER" diff "$kept/a/out" "$kept/b/out" >/dev/null 2>&1; echo $?)"
out=$(cb gc 2>&1)
expect "cloister gc removes the kept pairs" "" "$(ls "$store/store/tmp" 2>/dev/null)"

# reproducible recipes pass, and say so in their entry
out=$(cb build -r honours-sde 2>&1)
expect "__DATE__ honouring SOURCE_DATE_EPOCH is reproducible" "0" "$?"
out=$(cb build -r hello 2>&1)
entry=$(echo "$out" | tail -n 1)
expect_match "hello's entry records the check" "*\"checked\": true*\"identical\": true*" "$(cat "$entry/reproducibility.json")"

# --no-check, then a checked build upgrades the entry
out=$(cb build -r embeds-uid --no-check 2>&1)
expect "--no-check builds once and publishes" "0" "$?"
e2=$(echo "$out" | tail -n 1)
expect_match "...recording that it was not checked" "*\"checked\": false*" "$(cat "$e2/reproducibility.json")"
out=$(cb build -r embeds-uid 2>&1; echo "status=$?")
expect_match "a later checked build checks the unchecked entry and refuses it" \
	"*varied rebuild differs from the unchecked stored output*status=1" "$out"
rm -rf "$recipes/honours-sde-copy"
out=$(cb build -r honours-sde --no-check 2>&1)
out=$(cb build -r honours-sde 2>&1)
expect "a checked build of a cached reproducible entry succeeds" "0" "$?"

# cloister check: A and B from scratch, and against the store
out=$(cb check -r hello 2>&1; echo "status=$?")
expect "cloister check of a stored reproducible recipe: exit 0" "status=0" "$(echo "$out" | tail -n 1)"
chmod -R u+w "$entry/out"
printf 'x' >> "$entry/out/usr/bin/hello"
chmod -R a-w "$entry/out"
out=$(cb check -r hello 2>&1; echo "status=$?")
expect_match "cloister check notices a stored output that differs from fresh builds" \
	"*the two new builds agree, but differ from the stored output*status=1" "$out"
