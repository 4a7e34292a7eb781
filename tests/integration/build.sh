# cloister build -r: recipes, the graph, input hashes, the store.
# Fixture recipes are in tests/fixtures/recipes (copied, so tests may edit them).

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/tests/fixtures/recipes/." "$recipes/"
cp -r "$REPO/recipes/hello" "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
entries() { ls "$store/store" | grep -c -- "-$1-" ; }

# the smallest real recipe
out=$(cb build -r hello 2>&1)
expect "hello builds" "0" "$?"
entry=$(echo "$out" | tail -n 1)
expect_match "the entry is store/INPUTHASH-hello-1.0" "*/store/[0-9a-f]*-hello-1.0" "$entry"
expect "its output runs" "Hello from a cloister build." "$("$entry/out/usr/bin/hello")"
expect "the output hash is the sha256 of the manifest" "$(sha256sum < "$entry/manifest" | cut -d' ' -f1)" \
	"$(cat "$entry/output-hash")"
expect_match "inputs.json lists the source with its digest" "*\"name\": \"hello.c\", \"kind\": \"file\", \"sha256\": \"*" \
	"$(cat "$entry/inputs.json")"
expect "out/ is read-only" "" "$(find "$entry/out" -perm -u+w ! -type l)"
out=$(cb build -r hello 2>&1)
expect_match "a second build does no work and says so" "*hello 1.0 cached*" "$out"
expect "...and finds the same entry" "$entry" "$(echo "$out" | tail -n 1)"

# layers, changes, early cutoff
out=$(cb build -r app 2>&1)
expect_match "app builds on base" "*base 1 built*app 1 built*" "$out"
app=$(echo "$out" | tail -n 1)
expect "base's output is a layer of app's root" "base output
app on top" "$(cat "$app/out/usr/share/app.txt")"
echo 'echo "changed" > "$OUT/usr/share/app-extra.txt"' >> "$recipes/app/build"
out=$(cb build -r app 2>&1)
expect_match "a changed recipe rebuilds it, not what it needs" "*base 1 cached*app 1 built*" "$out"
sed -i 's/^# Output that does not depend on this comment.*/# a different comment: new inputs, same output/' "$recipes/base/recipe"
out=$(cb build -r app 2>&1)
expect_match "a changed dependency is rebuilt" "*base 1 built*" "$out"
expect_match "early cutoff: same output, so app is not rebuilt" "*app 1 cached*" "$out"
expect "the build log is kept in the entry" "" "$(cat "$(echo "$out" | tail -n 1)/log")"

# what a build sees
out=$(cb build -r uname-probe --no-check 2>&1)
env_txt=$(cat "$(echo "$out" | tail -n 1)/out/usr/share/env.txt" | tr '\n' '|')
expect_match "builds see the faked uname, an unprivileged uid, /build, no network" \
	"6.1.0-cloister|cloister|1000|/build|/build/home /tmp 1686355200 *|lo|" "$env_txt"

# bad input: each a clear error, exit 2, nothing in the store changed
before=$(ls "$store/store" | sort)
out=$(cb build -r cycle-a 2>&1; echo "status=$?")
expect_match "a cycle is refused and printed" "*dependency cycle: cycle-a -> cycle-b -> cycle-a*status=2" "$out"
out=$(cb build -r needs-missing 2>&1; echo "status=$?")
expect_match "a missing recipe is named with who needs it, file:line" \
	"*recipe 'nothere' not found (needed by needs-missing at */needs-missing/recipe:5*status=2" "$out"
out=$(cb build -r bad-syntax 2>&1; echo "status=$?")
expect_match "bad recipe syntax gives file:line" "*bad-syntax/recipe:4: unknown field 'flavour'*status=2" "$out"
out=$(cb build -r no-such-recipe 2>&1; echo "status=$?")
expect_match "an unknown recipe is refused" "*recipe 'no-such-recipe' not found*status=2" "$out"
mkdir "$recipes/bad-sha" && cp "$recipes/hello/build" "$recipes/bad-sha/" && mkdir "$recipes/bad-sha/files"
cp "$recipes/hello/files/hello.c" "$recipes/bad-sha/files/"
printf 'name: bad-sha\nversion: 1\nlicense: MIT\nsource: file files/hello.c sha256:%064d\n' 0 > "$recipes/bad-sha/recipe"
out=$(cb build -r bad-sha 2>&1; echo "status=$?")
expect_match "a wrong sha256 names the file and both digests" \
	"*bad-sha/recipe:4: files/hello.c has sha256 * the recipe says 0000*status=2" "$out"
out=$(cb build -r needs-both 2>&1; echo "status=$?")
expect_match "two build-needs providing one path are refused" "*provides-one and provides-two both provide /usr/bin/tool; say which wins with 'prefer: NAME'*status=2" "$out"
out=$(cb build -r needs-both-prefer 2>&1)
expect "...unless the recipe says which wins: its file is the one seen" "two" \
	"$(cat "$(echo "$out" | tail -n 1)/out/usr/share/which-tool")"
expect "the store is unchanged by all of that (but for the two providers)" \
	"$(printf '%s\n' "$before" | grep -v provides)" "$(ls "$store/store" | sort | grep -v -e provides -e needs-both-prefer)"

# a failing build: exit 1, the log's tail and its path, nothing published
out=$(cb build -r fails 2>&1; echo "status=$?")
expect_match "a failed build shows the log's tail and where the log is" \
	"*error: this recipe always fails*fails 1 failed (exit status 3); the log is */logs/fails-1.failed.log*status=1" "$out"
expect "...and publishes nothing" "0" "$(entries fails)"
expect "...and leaves no staging directory" "" "$(ls -A "$store/store" | grep '^\.tmp-')"

# killed midway: no entry, and the next run rebuilds
# (cloister itself in the background, not a shell function around it)
"$CLOISTER" build -r slow -q --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" > /dev/null 2>&1 &
pid=$!
i=0
while [ "$i" -lt 50 ] && ! grep -qs "slow build started" "$store"/store/.tmp-*/log; do sleep 0.1; i=$((i + 1)); done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
sleeps() { pgrep -u "$(id -u)" -f '^sleep 4$' | wc -l; }
expect "...and no build process behind" "0" "$(eventually 0 sleeps)"
expect "a build killed with SIGKILL leaves no store entry" "0" "$(entries slow)"
out=$(cb build -r slow 2>&1)
expect_match "the next run rebuilds it" "*slow 1 built*" "$out"
expect "...and the dead stage is gone" "" "$(ls -A "$store/store" | grep '^\.tmp-')"

# two concurrent builds of one recipe: one entry
sed -i 's/^echo "slow build started"/echo "slow build started (again)"/' "$recipes/slow/build"
cb build -r slow -q > "$TMPDIR/c1.out" 2>&1 &
p1=$!
cb build -r slow -q > "$TMPDIR/c2.out" 2>&1 &
p2=$!
wait "$p1"; s1=$?
wait "$p2"; s2=$?
expect "two concurrent builds both succeed" "0 0" "$s1 $s2"
expect "...and produce one entry between them" "$(cat "$TMPDIR/c1.out")" "$(cat "$TMPDIR/c2.out")"
expect "...one entry per input hash" "2" "$(entries slow)"

# verify: a damaged entry is found
out=$(cb verify 2>&1); st=$?
expect "verify passes on a sound store" "0" "$st"
[ "$st" = 0 ] || echo "$out"
chmod u+w "$entry/out/usr/bin/hello"
printf 'tampered' >> "$entry/out/usr/bin/hello"
chmod u-w "$entry/out/usr/bin/hello"
out=$(cb verify 2>&1; echo "status=$?")
expect_match "verify finds the damaged entry and the file" "*BAD *-hello-1.0: out/ no longer matches*/usr/bin/hello*status=1" "$out"

# fetch --offline, graph
out=$(cb fetch -r hello --offline 2>&1; echo "status=$?")
expect_match "fetch --offline succeeds when everything is cached" "*status=0" "$out"
out=$(cb graph -r app 2>&1)
expect_match "graph prints DOT" "digraph cloister {*}" "$out"
expect "graph has the build-needs edge" '	"app" -> "base" [label="build-needs"];' "$(echo "$out" | grep -- '->')"

# a hostile source archive
h="$recipes/hostile-src"
mkdir -p "$h/files"
outside=$(scratch)
"$MKDEB" --tar "$h/files/evil.tar.xz" "d:./pkg/:0755" "f:./pkg/../../../../../../../..$outside/pwned:0644:x"
printf 'name: hostile-src\nversion: 1\nlicense: MIT\nsource: file files/evil.tar.xz sha256:%s\n' \
	"$(sha256sum < "$h/files/evil.tar.xz" | cut -d' ' -f1)" > "$h/recipe"
echo true > "$h/build"
out=$(cb build -r hostile-src 2>&1; echo "status=$?")
expect_match "a source archive with .. is refused" "*refusing path with '..'*status=2" "$out"
for spec in "l:./pkg/link:../../../../../..$outside" "c:./pkg/dev" "f:/abs/path:0644:x" \
	"h:./pkg/hard:../../../../../../etc/passwd"; do
	"$MKDEB" --tar "$h/files/evil.tar.xz" "d:./pkg/:0755" "$spec"
	sed -i "s/sha256:.*/sha256:$(sha256sum < "$h/files/evil.tar.xz" | cut -d' ' -f1)/" "$h/recipe"
	out=$(cb build -r hostile-src 2>&1; echo "status=$?")
	expect_match "a hostile source entry ($spec) is refused" "*refusing*status=2" "$out"
done
expect "nothing was written outside the scratch directory" "" "$(ls -A "$outside")"

# -j: independent recipes build at the same time
out=$(cb build -r par -j 2 --no-check 2>&1)
expect "a graph with independent recipes builds with -j 2" "0" "$?"
a=$(cat "$store"/store/*-par-a-1/out/usr/share/par-a.times)
b=$(cat "$store"/store/*-par-b-1/out/usr/share/par-b.times)
overlap=$(echo "$a $b" | awk '{ print ($1 < $4 && $3 < $2) ? "yes" : "no" }')
expect "par-a and par-b ran in parallel" "yes" "$overlap"

# musl from the Debian source package, and a static program linked against it
cp -r "$REPO/recipes/musl" "$recipes/"
out=$(cb build -r hello-musl 2>&1)
expect "musl builds from its Debian source package, and hello-musl with it" "0" "$?"
hm=$(echo "$out" | tail -n 1)
expect "the musl-linked static program runs" "hello from musl" "$("$hm/out/usr/bin/hello-musl")"
expect "it is static" "not a dynamic executable" "$(ldd "$hm/out/usr/bin/hello-musl" 2>&1 | tr -d '\t' | head -n 1)"
expect "and small, as musl makes them" "yes" "$([ "$(stat -c %s "$hm/out/usr/bin/hello-musl")" -lt 65536 ] && echo yes)"

# a hostile recipe: every escape attempt fails, and its daemon dies with it
out=$(cb build -r hostile-recipe --no-check 2>&1)
expect "the hostile recipe's build completes" "0" "$?"
he=$(echo "$out" | tail -n 1)
expect "no escape attempt succeeded" "" "$(grep ESCAPED "$he/out/usr/share/attempts")"
expect "every attempt was made" "10" "$(grep -c refused "$he/out/usr/share/attempts")"
expect "no setuid file reached the output" "" "$(find "$he/out" -perm /6000)"
daemons() { pgrep -u "$(id -u)" -f '^sleep 600$' | wc -l; }
expect "the daemon it left behind is gone" "0" "$(eventually 0 daemons)"
expect "the recipe folder is untouched" "$(cat "$REPO/tests/fixtures/recipes/hostile-recipe/build")" "$(cat "$recipes/hostile-recipe/build")"
