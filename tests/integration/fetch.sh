# Where inputs come from: the download cache, content-addressed mirrors
# (real nginx on 127.0.0.1), apt, the snapshot service (a loopback nginx
# imitating its layout); the preflight; export and an offline build from
# the exported folder in a fresh home.

command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
if ! command -v nginx >/dev/null; then
	fail "nginx is needed (make deps installs it)"
	return 0 2>/dev/null || exit 0
fi

recipes=$(scratch)
cp -r "$REPO/recipes/hello" "$recipes/"
mkdir "$recipes/cached"
cp "$REPO/tests/fixtures/fetch/cached/build" "$recipes/cached/"
payload=$(scratch)/payload.txt
echo "a payload only a mirror has $$ $(date +%s%N)" > "$payload"
sha=$(sha256sum < "$payload" | cut -d' ' -f1)
sed "s/@SHA@/$sha/" "$REPO/tests/fixtures/fetch/cached/recipe.in" > "$recipes/cached/recipe"

# One nginx, three folders: a good mirror, one that serves wrong bytes
# under the right names, and the snapshot imitation.
www=$(scratch)
mkdir -p "$www/good/sha256" "$www/bad/sha256" "$www/snap" "$www/logs" "$www/tmp"
cp "$payload" "$www/good/sha256/$sha"
echo "not the payload" > "$www/bad/sha256/$sha"
port=""
for p in $(seq 20000 20 20400); do
	cand=$((p + $$ % 20))
	cat > "$www/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $www/nginx.pid;
error_log $www/logs/error.log;
events { worker_connections 64; }
http {
	access_log $www/logs/access.log;
	client_body_temp_path $www/tmp/body;
	proxy_temp_path $www/tmp/proxy;
	fastcgi_temp_path $www/tmp/fastcgi;
	uwsgi_temp_path $www/tmp/uwsgi;
	scgi_temp_path $www/tmp/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$cand;
		root $www;
	}
}
CONF
	nginx -p "$www" -c "$www/nginx.conf" -e "$www/logs/error.log" 2>/dev/null &
	ngx=$!
	if [ "$(eventually up sh -c "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$cand/good/sha256/$sha | sed 's/^200$/up/'")" = up ]; then
		port=$cand
		break
	fi
	kill "$ngx" 2>/dev/null
	wait "$ngx" 2>/dev/null
done
trap 'kill "$ngx" 2>/dev/null' EXIT
expect "nginx serves the test mirror on 127.0.0.1" "yes" "${port:+yes}"
url=http://127.0.0.1:$port

cb() {
	_h=$1
	shift
	"$CLOISTER" "$@" --store "$_h" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}

# A pin apt has never heard of, present only on the mirror.
h1=$(new_store)
out=$(cb "$h1" fetch -r cached --mirror "$url/good" --snapshot off 2>&1)
expect "an input absent from apt is fetched from the mirror" "0" "$?"
expect "...and stored by its digest, verified" "$sha" "$(sha256sum < "$h1/downloads/sha256/$sha" | cut -d' ' -f1)"

h=$(new_store)
out=$(cb "$h" fetch -r cached --mirror "$url/bad" --mirror "$url/good" --snapshot off 2>&1)
expect "a mirror serving wrong bytes is refused and the next one used" "0" "$?"
expect_match "...with both digests named" "*$url/bad*expected $sha, got $(sha256sum < "$www/bad/sha256/$sha" | cut -d' ' -f1)*" "$out"
expect "...and the bad bytes never enter the cache" "$sha" "$(sha256sum < "$h/downloads/sha256/$sha" | cut -d' ' -f1)"

h=$(new_store)
start=$(date +%s)
out=$(CLOISTER_MIRRORS="http://127.0.0.1:1/ $url/good" cb "$h" fetch -r cached --snapshot off 2>&1)
st=$?
took=$(( $(date +%s) - start ))
expect "a refused connection falls through to the next mirror (CLOISTER_MIRRORS)" "0" "$st"
expect_match "...with a warning naming the dead mirror" "*warning: mirror http://127.0.0.1:1/*" "$out"
expect "...quickly (under 5 s)" "yes" "$([ "$took" -lt 5 ] && echo yes || echo "no: ${took}s")"

h=$(new_store)
out=$(cb "$h" fetch -r cached --mirror "$url/bad" --snapshot off 2>&1)
expect "no good source at all is bad input (exit 2)" "2" "$?"
expect_match "...and says the digest is on no mirror" "*payload.txt (sha256 $sha)*nor on a mirror*" "$out"

out=$(cb "$h" fetch -r cached --mirror "ftp://example.invalid/" 2>&1)
expect "a mirror with another scheme is bad usage" "2" "$?"

# The preflight names vanished pins once, with the ways forward, without
# downloading anything.
h=$(new_store)
out=$(cb "$h" fetch --check -r cached --snapshot off 2>&1)
expect "the preflight fails when a pin can be had nowhere" "2" "$?"
expect_match "...naming it with file:line" "*can no longer be fetched*$recipes/cached/recipe:6: cached file payload.txt (sha256 $sha)*Ways forward*--mirror URL*" "$out"
out=$(cb "$h" fetch --check -r cached --mirror "$url/good" --snapshot off 2>&1)
expect "the preflight passes when a mirror has it" "0" "$?"
expect_match "...and counts it there" "*1 on mirrors*0 nowhere*" "$out"
expect "...without downloading it" "no" "$([ -e "$h/downloads/sha256/$sha" ] && echo yes || echo no)"

lock=$(scratch)/seed.lock
sed 's/^base\tlinux-libc-dev\t6.1.176-1\t[0-9a-f]*\t[0-9]*\tbookworm$/base\tlinux-libc-dev\t6.1.192-2\te0632f8e55ec0d2d1c56f9c65a8bcb64ad5d79add297266bc89c616dfef9a7fe\t2457924\tbookworm-security\tmoving/' \
	"$REPO/rootfs-seed/seed.lock" > "$lock"
h=$(new_store)
cp -r "$SEED_CACHE/apt" "$h/" 2>/dev/null
rm -f "$h/downloads/sha256/e0632f8e55ec0d2d1c56f9c65a8bcb64ad5d79add297266bc89c616dfef9a7fe"
out=$("$CLOISTER" fetch --check -r hello --store "$h" --recipes "$recipes" --seed-lock "$lock" --snapshot off 2>&1)
expect "the preflight catches the seed pin that left the archive (issue 8's case)" "2" "$?"
expect_match "...naming the lock line, the suite and the way forward" \
	"*$lock:*linux-libc-dev 6.1.192-2*bookworm-security (a suite that drops old versions)*cloister seed update*" "$out"

# Debian's snapshot service, imitated on loopback: a .deb pinned by name,
# version (with an epoch) and sha256 that nothing else has.
deb=$(scratch)/cloister-test-snap.deb
"$MKDEB" "$deb" "d:./usr:0755" "f:./usr/snap.txt:0644:from the snapshot" >/dev/null
dsha=$(sha256sum < "$deb" | cut -d' ' -f1)
dsize=$(stat -c %s "$deb")
sha1=$(sha1sum < "$deb" | cut -d' ' -f1)
mkdir -p "$www/snap/mr/binary/cloister-test-snap/1:2.0-1" "$www/snap/file"
cp "$deb" "$www/snap/file/$sha1"
echo "not it" > "$www/snap/file/0000000000000000000000000000000000000000"
cat > "$www/snap/mr/binary/cloister-test-snap/1:2.0-1/binfiles" <<JSON
{"_comment": "imitation", "binary": "cloister-test-snap", "binary_version": "1:2.0-1",
 "result": [{"architecture": "i386", "hash": "0000000000000000000000000000000000000000"},
            {"architecture": "amd64", "hash": "$sha1"}]}
JSON
snaplock=$(scratch)/snap.lock
printf 'base\tcloister-test-snap\t1:2.0-1\t%s\t%s\tbookworm\n' "$dsha" "$dsize" > "$snaplock"
h=$(new_store)
cp -r "$SEED_CACHE/apt" "$h/" 2>/dev/null
out=$("$CLOISTER" seed fetch --lock "$snaplock" --store "$h" --snapshot "$url/snap" 2>&1)
expect "a pin neither the cache, mirrors nor apt have comes from the snapshot service" "0" "$?"
expect "...verified by its sha256 (the service's own names are SHA-1)" "$dsha" \
	"$(sha256sum < "$h/downloads/sha256/$dsha" 2>/dev/null | cut -d' ' -f1)"
expect_match "...and the epoch was escaped in the query" "*GET /snap/mr/binary/cloister-test-snap/1%3A2.0-1/binfiles*" \
	"$(cat "$www/logs/access.log")"
out=$("$CLOISTER" fetch --check -r hello --store "$(new_store)" --recipes "$recipes" --seed-lock "$snaplock" \
	--snapshot "$url/snap" 2>&1)
expect_match "the preflight counts a pin only the snapshot service has" "*1 only in the snapshot service*" "$out"
h=$(new_store)
cp -r "$SEED_CACHE/apt" "$h/" 2>/dev/null
out=$("$CLOISTER" seed fetch --lock "$snaplock" --store "$h" --snapshot "$url/snap" --offline 2>&1)
expect "--offline never asks the snapshot service (a pin to be had nowhere: exit 2)" "2" "$?"

# Export, then build from the exported folder alone, offline, in a fresh
# home: the same store entry and the same output hash.
out=$(cb "$h1" build -r cached --mirror "$url/good" --no-check 2>&1)
expect "the recipe builds online" "0" "$?"
online=$(echo "$out" | tail -n 1)
exp=$(scratch)/export
out=$(cb "$h1" fetch --export "$exp" -r cached 2>&1)
expect "fetch --export writes the closure's inputs" "0" "$?"
expect "...the source in the mirror layout" "$sha" "$(sha256sum < "$exp/sha256/$sha" | cut -d' ' -f1)"
expect "...and every seed package of the set" "$(grep -c '^base' "$REPO/rootfs-seed/seed.lock")" \
	"$(grep -c "	deb	" "$exp/index")"
expect_match "...with an index naming each file" "*$sha	file	-	-	payload.txt*" "$(cat "$exp/index")"
fresh=$(scratch)
out=$(cb "$fresh" build -r cached --mirror "file://$exp" --offline --no-check 2>&1)
expect "a fresh home builds offline from the exported folder" "0" "$?"
offline=$(echo "$out" | tail -n 1)
expect "...into the same store entry (input hash)" "$(basename "$online")" "$(basename "$offline")"
expect "...with the same output hash" "$(cat "$online/output-hash")" "$(cat "$offline/output-hash" 2>/dev/null)"
expect "...and nothing came from apt" "no" "$([ -d "$fresh/apt/state/lists" ] && ls "$fresh/apt/state/lists" | grep -q Release && echo yes || echo no)"

# seed update prefers the frozen suite: the pin that left the security
# suite goes back to the main suite's version, unmarked.
h=$(new_store)
cp "$lock" "$h/seed.lock"
out=$("$CLOISTER" seed update --lock "$h/seed.lock" --store "$h" 2>&1)
expect "seed update runs" "0" "$?"
expect "...and moves the pin to the frozen suite" "$(grep '^base	linux-libc-dev	' "$REPO/rootfs-seed/seed.lock")" \
	"$(grep '^base	linux-libc-dev	' "$h/seed.lock")"
expect "...leaving no pin marked moving" "0" "$(grep -c 'moving$' "$h/seed.lock")"
expect_match "...and says what changed" "*linux-libc-dev: 6.1.192-2 (bookworm-security, moving) -> 6.1.176-1 (bookworm)*" "$out"

# apt under cloister's own lock: concurrent first uses of a fresh home (no
# package lists yet: each must update them, then read them) all succeed.
h=$(scratch)
pids=""
for i in 1 2 3; do
	( "$CLOISTER" fetch --check -r hello --store "$h" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --snapshot off >"$h.out.$i" 2>&1; echo $? >"$h.rc.$i" ) &
	pids="$pids $!"
done
# these three, not nginx, which runs in the background too
# shellcheck disable=SC2086
wait $pids
expect "three concurrent first uses of apt on a fresh home all succeed" "0 0 0" \
	"$(cat "$h.rc.1" "$h.rc.2" "$h.rc.3" | tr '\n' ' ' | sed 's/ $//')"
expect "...and each found every pin in the archive" "3" "$(cat "$h.out.1" "$h.out.2" "$h.out.3" | grep -c ' 0 nowhere$')"

# --json: one valid document on stdout, whatever the outcome
h=$(new_store)
out=$(cb "$h" fetch --check -r cached --mirror "$url/good" --snapshot off --json 2>/dev/null)
expect "fetch --check --json: a valid document that says ok" "true" "$(printf '%s' "$out" | jq .ok)"
expect "...with where the mirror's input comes from" "mirror $url/good" \
	"$(printf '%s' "$out" | jq -r '.inputs[] | select(.kind == "cache") | "\(.from) \(.mirror)"')"
out=$(cb "$h" fetch --check -r cached --snapshot off --json 2>/dev/null)
expect "...and on failure: ok false, the class, the exit status" "false|bad input|2|1" \
	"$(printf '%s' "$out" | jq -r '"\(.ok)|\(.error.class)|\(.error.exit)|\(.gone)"')"
out=$(cb "$h" fetch --check -r no-such-recipe --json 2>/dev/null)
expect "...and when the recipe is missing" "false|bad input" "$(printf '%s' "$out" | jq -r '"\(.ok)|\(.error.class)"')"

kill "$ngx" 2>/dev/null
wait "$ngx" 2>/dev/null
