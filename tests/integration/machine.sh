# Machines: settings/packages.list names the recipes, `cloister check
# MACHINE` rebuilds every recipe of its closure twice and against the store.

store=$(new_store)
recipes=$(scratch)
machines=$(scratch)
cp -r "$REPO/tests/fixtures/recipes/app" "$REPO/tests/fixtures/recipes/base" "$REPO/recipes/hello" "$recipes/"
cp -r "$REPO/tests/fixtures/machines/." "$machines/"
cm() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" --machines "$machines" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}

out=$(cm graph pair 2>&1)
expect_match "graph MACHINE: the listed recipes and their build-needs" \
	'*"base"*"app"*"hello"*"app" -> "base"*' "$out"

out=$(cm check pair 2>&1; echo "status=$?")
expect "check MACHINE builds every recipe twice and exits 0" "app base hello status=0" \
	"$(echo "$out" | sed -n 's/^\[[0-9]\/3\] \([a-z]*\) [^ ]* built twice, identical.*/\1/p; s/^status=/&/p' |
		sort | tr '\n' ' ' | sed 's/ $//')"
expect "check MACHINE prints the store entry of each listed recipe, in list order" \
	"app-1 hello-1.0" "$(echo "$out" | grep "^$store/store/" | sed 's|.*/[0-9a-f]*-||' | tr '\n' ' ' | sed 's/ $//')"

# checked again: every recipe, even the build-need, is rebuilt from scratch
out=$(cm check pair 2>&1; echo "status=$?")
expect "check MACHINE of stored entries rebuilds all three and compares with the store" "3" \
	"$(echo "$out" | grep -c 'A, B and the stored output are identical')"

# a stored output altered after the fact is found, even in a build-need
base=$(ls -d "$store"/store/*-base-1)
chmod -R u+w "$base/out"
printf 'x' >>"$base/out/usr/share/base.txt"
chmod -R a-w "$base/out"
out=$(cm check pair 2>&1; echo "status=$?")
expect_match "check MACHINE finds a tampered build-need: exit 1" \
	"*base 1: the two new builds agree, but differ from the stored output*status=1" "$out"

# bad machines: file:line and exit 2
out=$(cm check typo 2>&1; echo "status=$?")
expect_match "a missing recipe is named with packages.list:LINE" \
	"*typo/settings/packages.list:2: recipe 'no-such-recipe' not found*status=2" "$out"
out=$(cm check nolist 2>&1; echo "status=$?")
expect_match "a machine without packages.list: exit 2, what to write" \
	"*nolist/settings/packages.list: missing; a machine lists the recipes*status=2" "$out"
mkdir -p "$machines/bad/settings"
printf 'hello\n\nHello World\n' >"$machines/bad/settings/packages.list"
out=$(cm check bad 2>&1; echo "status=$?")
expect_match "two words on a line: FILE:LINE" "*bad/settings/packages.list:3: expected one recipe name per line*status=2" "$out"
printf 'hello\nHello\n' >"$machines/bad/settings/packages.list"
out=$(cm check bad 2>&1; echo "status=$?")
expect_match "a bad recipe name: FILE:LINE" "*bad/settings/packages.list:2: 'Hello' is not a recipe name*status=2" "$out"
printf 'hello\n# again:\nhello\n' >"$machines/bad/settings/packages.list"
out=$(cm check bad 2>&1; echo "status=$?")
expect_match "a recipe listed twice: FILE:LINE and the first line" \
	"*bad/settings/packages.list:3: 'hello' is listed twice (first at line 1)*status=2" "$out"
printf '# nothing yet\n' >"$machines/bad/settings/packages.list"
out=$(cm check bad 2>&1; echo "status=$?")
expect_match "an empty list: exit 2" "*packages.list: lists no package*status=2" "$out"
out=$(cm check no-such-machine 2>&1; echo "status=$?")
expect_match "a missing machine: exit 2 with the folder looked for" "*no machine 'no-such-machine'*status=2" "$out"
out=$(cm check ../pair 2>&1; echo "status=$?")
expect_match "a machine name with a slash is refused" "*'../pair' is not a machine name*status=2" "$out"
out=$(cm check pair -r hello 2>&1; echo "status=$?")
expect_match "a recipe and a machine at once: exit 2" "*a recipe or a machine, not both*status=2" "$out"
out=$(cm fetch pair --offline 2>&1; echo "status=$?")
expect_match "fetch MACHINE: the closure's sources are in the cache" \
	"*every input of pair (* files) is in the download cache*status=0" "$out"
out=$(cm check hello 2>&1; echo "status=$?")
expect_match "a recipe's name given as a machine: exit 2, and the -r to use" \
	"*no machine 'hello'*but a recipe of that name: cloister check -r hello*status=2" "$out"

# the command line of build, check, fetch, graph and seed
out=$("$CLOISTER" build -r hello --bogus 2>&1; echo "status=$?")
expect_match "build: an unknown option is exit 2 and named" "*unknown option '--bogus'*status=2" "$out"
out=$("$CLOISTER" build -r hello -j 0 2>&1; echo "status=$?")
expect_match "build: -j 0 is refused" "*-j needs a number from 1 to 1024, not '0'*status=2" "$out"
out=$("$CLOISTER" build -r hello -j 2x 2>&1; echo "status=$?")
expect_match "build: -j 2x is refused" "*-j needs a number from 1 to 1024, not '2x'*status=2" "$out"
out=$("$CLOISTER" check pair other 2>&1; echo "status=$?")
expect_match "check: two machines are refused" "*unexpected argument 'other'*status=2" "$out"
out=$("$CLOISTER" build -r 2>&1; echo "status=$?")
expect_match "build: -r without a recipe" "*-r needs an argument*status=2" "$out"
out=$("$CLOISTER" seed fetch build 2>&1; echo "status=$?")
expect_match "seed: two subcommands are refused" "*unexpected argument 'build'*status=2" "$out"
out=$("$CLOISTER" seed frobnicate 2>&1; echo "status=$?")
expect_match "seed: an unknown subcommand is named" "*unknown subcommand 'frobnicate'*status=2" "$out"
expect_match "build --help prints the usage" "usage: cloister build*" "$("$CLOISTER" build --help)"
