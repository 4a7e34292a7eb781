# Machine settings reach the builds of the machine's recipes: compiler
# flags as CFLAGS/CXXFLAGS/LDFLAGS, package-configurations/RECIPE.config as
# environment, RECIPE.mk as a read-only file; all of it through the input
# hash (two machines with different flags: two entries; no settings: the
# entry of `-r`).  Bad settings are FILE:LINE and exit 2.

store=$(new_store)
recipes=$(scratch)
machines=$(scratch)
cp -r "$REPO/tests/fixtures/recipes/flags-probe" "$recipes/"
cp -r "$REPO/tests/fixtures/machines/flags-a" "$REPO/tests/fixtures/machines/flags-b" \
	"$REPO/tests/fixtures/machines/flags-bare" "$machines/"
work=$(scratch)
# `build MACHINE` writes output/machines/MACHINE/ in the working directory
cm() {
	(cd "$work" && "$CLOISTER" "$@" --store "$store" --recipes "$recipes" --machines "$machines" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton")
}
entry_of() { echo "$1" | grep "^$store/store/" | tail -n 1; }

out=$(cm build -r flags-probe 2>&1)
plain=$(entry_of "$out")
expect_match "without a machine: today's environment" "CFLAGS=-O2|CXXFLAGS=-O2|LDFLAGS=unset|BUILD_CFLAGS=unset|*" \
	"$(tr '\n' '|' < "$plain/out/usr/share/env.txt")"
expect "...and no machine in its inputs" "" "$(grep -i machine "$plain/inputs.json")"

out=$(cm build --initramfs-only flags-a 2>&1; echo "status=$?")
expect_match "cloister build MACHINE builds its recipes" "*flags-probe 1 built twice, identical*status=0" "$out"
a=$(entry_of "$out")
env_a=$(cat "$a/out/usr/share/env.txt")
expect "the host-c flags are CFLAGS and LDFLAGS, host-cxx CXXFLAGS, build-c BUILD_CFLAGS" \
"CFLAGS=-static -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -DPROBE_MARK=1 -Wl,-z,relro,-z,now
CXXFLAGS=-O2
LDFLAGS=-static -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -DPROBE_MARK=1 -Wl,-z,relro,-z,now
BUILD_CFLAGS=-O1
BUILD_CXXFLAGS=unset" "$(echo "$env_a" | head -n 5)"
expect "RECIPE.config is the recipe's environment, never expanded" 'probe_setting=a $value, quoted' \
	"$(echo "$env_a" | grep '^probe_setting=')"
expect "RECIPE.mk is at \$MACHINE_KCONFIG" "MACHINE_KCONFIG=/machine/flags-probe.mk" \
	"$(echo "$env_a" | grep '^MACHINE_KCONFIG=')"
expect "...byte for byte" "$(cat "$machines/flags-a/package-configurations/flags-probe.mk")" \
	"$(cat "$a/out/usr/share/fragment.mk")"
expect "...and read-only" "no" "$([ -e "$a/out/usr/share/fragment-writable" ] && echo yes || echo no)"
expect "the flags reach the compiler" "1" "$("$a/out/usr/bin/probe")"
expect "...and the linker (-static: no program interpreter)" "" \
	"$(readelf -l "$a/out/usr/bin/probe" | grep -i interpreter)"
expect_match "inputs.json records the settings" \
	'*"machine_settings": {*"name": "CFLAGS", "value": "-static -O2*"kconfig": {"file": "flags-probe.mk", "sha256": "*' \
	"$(cat "$a/inputs.json" | tr -d '\n')"
expect "the entry does not keep the fragment's folder" "" "$(ls "$a" | grep -x machine)"

out=$(cm build --initramfs-only flags-b 2>&1)
b=$(entry_of "$out")
expect_match "another machine's flags: another store entry" "*-flags-probe-1" "$b"
expect "...not the first machine's" "yes" "$([ "$a" != "$b" ] && [ "$b" != "$plain" ] && echo yes)"
expect "...built with its own flags" "2" "$("$b/out/usr/bin/probe")"
expect "...dynamically linked, as its flags say" "yes" \
	"$(readelf -l "$b/out/usr/bin/probe" | grep -qi interpreter && echo yes)"
expect "two machines, two entries, plus the plain one" "3" "$(ls "$store/store" | grep -c -- '-flags-probe-1$')"

out=$(cm build --initramfs-only flags-bare 2>&1)
expect "a machine that adds nothing gets the entry of -r" "$plain" "$(entry_of "$out")"
out=$(cm build --initramfs-only flags-a 2>&1)
expect_match "an unchanged machine rebuilds nothing" "*flags-probe 1 cached*" "$out"
expect "...and finds its entry" "$a" "$(entry_of "$out")"

# a changed flag is a new input; the fragment too
printf -- '-O2\n-DPROBE_MARK=3\n' > "$machines/flags-b/settings/compiler-flags/host-c.compiler-flags"
out=$(cm build --initramfs-only flags-b 2>&1)
expect_match "a changed flag rebuilds" "*flags-probe 1 built*" "$out"
expect "...into a new entry" "3" "$("$(entry_of "$out")/out/usr/bin/probe")"
echo 'CONFIG_EXTRA=y' >> "$machines/flags-a/package-configurations/flags-probe.mk"
out=$(cm build --initramfs-only flags-a 2>&1)
expect_match "a changed fragment rebuilds" "*flags-probe 1 built*" "$out"

# bad settings: FILE:LINE, exit 2, nothing built
bad() {
	rm -rf "$machines/bad"
	mkdir -p "$machines/bad/settings/compiler-flags" "$machines/bad/package-configurations"
	echo flags-probe > "$machines/bad/settings/packages.list"
	printf -- "$2" > "$machines/bad/$1"
	cm build --initramfs-only bad 2>&1
	echo "status=$?"
}
expect_match "architecture.config is parsed, never executed" \
	"*bad/settings/architecture.config:2: machine_architecture: the value must be in single quotes*status=2" \
	"$(bad settings/architecture.config '# arch\nmachine_architecture=$(touch /tmp/x)\n')"
expect_match "an unsupported architecture is named" \
	"*bad/settings/architecture.config:1: machine_architecture 'arm' is not supported*status=2" \
	"$(bad settings/architecture.config "machine_architecture='arm'\n")"
expect_match "networking.config: a name set twice" \
	"*bad/settings/networking.config:3: machine_hostname is set twice (first at line 1)*status=2" \
	"$(bad settings/networking.config "machine_hostname='a'\n\nmachine_hostname='b'\n")"
expect_match "a compiler-flags file without a final line feed" \
	"*bad/settings/compiler-flags/host-c.compiler-flags:2: the last line has no line feed*status=2" \
	"$(bad settings/compiler-flags/host-c.compiler-flags '-O2\n-static')"
expect_match "a comment in a compiler-flags file" \
	"*bad/settings/compiler-flags/host-cxx.compiler-flags:1: comments are not allowed*status=2" \
	"$(bad settings/compiler-flags/host-cxx.compiler-flags '# flags\n-O2\n')"
expect_match "a package configuration may not set CFLAGS" \
	"*bad/package-configurations/flags-probe.config:1: CFLAGS cannot be set here*status=2" \
	"$(bad package-configurations/flags-probe.config "CFLAGS='-O0'\n")"
expect_match "a Kconfig fragment's syntax is checked before any build" \
	"*bad/package-configurations/flags-probe.mk:2: 'yes' is not a Kconfig value*status=2" \
	"$(bad package-configurations/flags-probe.mk 'CONFIG_A=y\nCONFIG_B=yes\n')"
expect_match "check MACHINE reads the same settings" \
	"*bad/package-configurations/flags-probe.mk:2: 'yes' is not a Kconfig value*status=2" \
	"$(cm check bad 2>&1; echo "status=$?")"

# --initramfs-only: the packages and the cpio, no kernel
expect "build MACHINE --initramfs-only links no kernel" "cpio, no vmlinuz" \
	"$([ -f "$work/output/machines/flags-a/initramfs.cpio" ] && echo cpio), $([ -e "$work/output/machines/flags-a/flags-a.vmlinuz" ] && echo vmlinuz || echo no vmlinuz)"
expect_match "--initramfs-only belongs to build MACHINE" "*--initramfs-only belongs to \`cloister build MACHINE\`*status=2" \
	"$(cm build -r flags-probe --initramfs-only 2>&1; echo "status=$?")"
