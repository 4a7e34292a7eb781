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
# caught_only <recipe> <factors>: caught, and blamed on exactly those
caught_only() {
	out=$(cb build -r "$1" 2>&1; echo "status=$?")
	expect_match "$1 is caught and attributed to $2 alone" "*is not reproducible*differs when: $2. Both builds*status=1" "$out"
	expect "$1: nothing is published" "" "$(ls "$store/store" | grep -- "-$1-")"
}
caught_only embeds-date "wall clock (build B ran later)"
caught_only embeds-path "build path"
caught_only embeds-uname "hostname and uname"
caught_only embeds-uid "user id"
caught embeds-random "nondeterminism*"
caught_only embeds-jobs "job count and CPUs"
caught_only lists-readdir "filesystem and directory order"
caught_only embeds-env "environment"
caught_only embeds-aslr "address randomization"
# a cheap build is searched in one round of builds started together, with
# progress (the search it replaced built twenty, one pair at a time)
out=$("$CLOISTER" build -r embeds-uname --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1; echo "status=$?")
expect_match "a trivial recipe is attributed in one round of twelve builds at once, with progress" \
	"*searching for the cause: 12 builds at once*12 builds in 1 round, *differs when: hostname and uname*status=1" "$out"
out=$("$CLOISTER" build -r slow-path-uid --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1; echo "status=$?")
expect_match "a slow build with two causes: both named" "*differs when: build path; user id. Both builds*status=1" "$out"
expect_match "...the build path from the clue in B's output, the rest by halving, round by round, with progress" \
	"*searching for the cause: 6 builds at once*B's output points at: build path)*round 2: umask, timezone and locale, environment | job count and CPUs, hostname and uname, user id, filesystem and directory order*round 4: user id | filesystem and directory order*builds in 4 rounds*" "$out"
caught_only ignores-sde "wall clock (build B ran later); timezone and locale"

# reports that point at the cause: the labels, ELF sections and their
# strings, archive members (each for a fixture of a known cause)
caught_only debug-path "build path"
expect_match "the report labels A and B (varied: ...)" "*1 difference between
  A (as built normally)
  B (varied: build path, umask, *filesystem and directory order; started 1.1 s later)*" "$out"
expect_match "...names the ELF section and the strings only each side has" \
	'*/usr/bin/t: size: *ELF section .debug_line_str: strings only in A: "/build"; only in B: "/usr/src/cloister-b"*' "$out"
out=$(cb build -r debug-path-mapped 2>&1; echo "status=$?")
expect_match "...and the same with -ffile-prefix-map is reproducible" "*status=0" "$out"
caught_only tar-listing "umask; user id; filesystem and directory order"
expect_match "the report names an archive's members and what of each differs" \
	"*tar: the members' order differs from member *tar member list/aaa: mode 0644 vs 0640, uid 1000 vs 2000, gid 1000 vs 2000*" "$out"

# the attacker's side: names with escape sequences in the report (of the
# file, and of an archive's member) reach the terminal escaped
out=$(cb build -r hostile-names 2>&1)
expect "a report never passes a build's escape sequences to the terminal" "0" \
	"$(printf '%s' "$out" | tr -cd '\033\007' | wc -c)"
expect_match "...it shows a file's name as text" '*/usr/share/x\\x1b]0;pwned\\x07\\x1b\[2Jy: size: *' "$out"
expect_match "...and an archive member's" '*tar member d/m\\x1b]0;pwned\\x07\\x1b\[2Jn: *' "$out"

# umask: the store's modes are canonical, decided by the owner's bits
# (directories and u+x files 0555, other files 0444), so the umask a build
# runs under is no difference unless it reaches the contents
for r in plain-cc umask-modes; do
	out=$(cb build -r "$r" 2>&1; echo "status=$?")
	expect_match "$r (no umask of its own) is reproducible" "*status=0" "$out"
done
entry=$(cb build -r plain-cc 2>/dev/null | tail -n 1)
expect "the store's modes are canonical: u+x and directories 0555, the rest 0444" \
	"f 0555 /hello|d 0555 /usr|d 0555 /usr/share|d 0555 /usr/share/doc|f 0444 /usr/share/doc/notes|" \
	"$(cut -d' ' -f1,2,5 "$entry/manifest" | tr '\n' '|')"
expect "out/ has the modes its manifest records" "0555 0444" \
	"$(stat -c %a "$entry/out/hello" "$entry/out/usr/share/doc/notes" | sed 's/^/0/' | tr '\n' ' ' | sed 's/ $//')"
caught_only umask-content "umask"
out=$(cb build -r explicit-modes 2>&1)
entry=$(echo "$out" | tail -n 1)
expect "a recipe's mode: lines set those paths' modes" \
	"d 0555 /usr|d 0555 /usr/libexec|d 0500 /usr/libexec/private|f 0500 /usr/libexec/private/helper|d 0555 /usr/share|f 0444 /usr/share/data.sh|" \
	"$(cut -d' ' -f1,2,5 "$entry/manifest" | tr '\n' '|')"
out=$(cb build -r mode-missing 2>&1; echo "status=$?")
expect_match "a mode: line for a path the build did not make fails the build, naming the line" \
	"*mode-missing/recipe:4: mode for /usr/bin/not-built, but the build made no such path*status=1" "$out"
out=$(cb build -r mode-bad 2>&1; echo "status=$?")
expect_match "a mode with write bits is bad input, with file:line" \
	"*mode-bad/recipe:4: *read and execute bits*status=2" "$out"
# the attacker's side: the build plants a symlink where a mode: line
# points, to make publishing chmod a file of the host
victim=$(scratch)
: > "$victim/secret"
chmod 600 "$victim/secret"
mkdir "$recipes/mode-via-link"
printf 'name: mode-via-link\nversion: 1\nlicense: MIT\nmode: 0444 /usr/share/link/secret\n' > "$recipes/mode-via-link/recipe"
printf 'mkdir -p "$OUT/usr/share"\nln -s %s "$OUT/usr/share/link"\n' "$victim" > "$recipes/mode-via-link/build"
out=$(cb build -r mode-via-link 2>&1; echo "status=$?")
expect_match "a mode: line is never applied through a symlink the build planted" \
	"*mode-via-link/recipe:4: mode for /usr/share/link/secret, but the build made no such path (a symlink lies on the way)*status=1" "$out"
expect "...and the host's file keeps its mode" "600" "$(stat -c %a "$victim/secret")"
out=$(cb verify 2>&1; echo "status=$?")
expect "cloister verify accepts the canonical entries" "status=0" "$out"

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
