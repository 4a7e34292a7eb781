# cloister build under SIGTERM and SIGINT: the sandboxes stop, the stages
# go, the message says what was interrupted, the status is 128 + signal.

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/tests/fixtures/recipes/sleeper" "$recipes/"

stages() { ls -d "$store"/store/.tmp-* 2>/dev/null | wc -l; }
sleepers() { pgrep -f "sleep 60" -u "$(id -u)" | wc -l; }

for sig in TERM INT; do
	want=$([ "$sig" = TERM ] && echo 143 || echo 130)
	"$CLOISTER" build -r sleeper --store "$store" --recipes "$recipes" -q \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" \
		>"$store/out.$sig" 2>&1 &
	pid=$!
	# until both builds (A and the varied B) are sleeping in their sandboxes
	started=$(eventually 2 sleepers)
	expect "SIG$sig: the builds were running" "2" "$started"
	expect "SIG$sig: ...in stages" "yes" "$([ "$(stages)" -ge 1 ] && echo yes || echo no)"
	kill -s "$sig" "$pid"
	wait "$pid"
	expect "SIG$sig: cloister build exits $want" "$want" "$?"
	expect_match "SIG$sig: ...and says what was interrupted" \
		"*cloister build -r sleeper: interrupted by SIG$sig: the builds in progress were stopped*" \
		"$(cat "$store/out.$sig")"
	expect "SIG$sig: no sandbox is left running" "0" "$(eventually 0 sleepers)"
	expect "SIG$sig: no stage is left behind" "0" "$(stages)"
	expect "SIG$sig: nothing was published" "" "$(ls "$store/store" | grep -- '-sleeper-1$')"
done
