# The network namespace has a working loopback and nothing else: the host's
# TCP ports and abstract unix sockets are unreachable.
# tests/run: also as root

expect "only lo exists" "lo" "$(sb -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "')"
attack "loopback works inside" OK loopback

port=$((20000 + $$ % 20000))
"$PROBE" listen-tcp "$port" 127.0.0.1 20 > "$TMPDIR/listen.out" &
lpid=$!
name="cloister-test-$$"
"$PROBE" listen-abstract "$name" 20 > "$TMPDIR/listen2.out" &
apid=$!
eventually OK outside connect-tcp "$port" >/dev/null
eventually OK outside connect-abstract "$name" >/dev/null
attack "a TCP port on the host's loopback is unreachable" ECONNREFUSED connect-tcp "$port"
expect "TCP port (control: reachable outside the sandbox)" OK "$(outside connect-tcp "$port")"
attack "a host abstract unix socket is unreachable" ECONNREFUSED connect-abstract "$name"
expect "abstract socket (control: reachable outside the sandbox)" OK "$(outside connect-abstract "$name")"
attack "no route to the outside world" ENETUNREACH connect-tcp 80 192.0.2.1
kill "$lpid" "$apid" 2>/dev/null
wait 2>/dev/null
