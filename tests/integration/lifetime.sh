# When the command ends, is killed, times out, or cloister itself dies,
# nothing of the sandbox is left running.

# alive MARKER: how many processes of ours have MARKER in their command line
alive() {
	pgrep -u "$(id -u)" -f "^$1" | wc -l
}

sb -- sh -c 'sleep 9101 & sleep 9102 & exit 0'
expect "background children die with the command" "0" "$(eventually 0 alive 'sleep 910[12]')"

start=$(date +%s)
out=$(sb --timeout 1 -- sh -c 'sleep 9103 & sleep 9104' 2>&1; echo "status=$?")
end=$(date +%s)
expect_match "--timeout: exit 124 and a message" "*timed out after 1 s*status=124" "$out"
expect_match "--timeout kills within a few seconds" "[1-4]" "$((end - start))"
expect "--timeout leaves no process" "0" "$(eventually 0 alive 'sleep 910[34]')"

"$CLOISTER" run $ROOT_ARGS -- sh -c 'sleep 9105 & sleep 9106' &
pid=$!
expect "the sandbox is running" "2" "$(eventually 2 alive 'sleep 910[56]')"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
expect "cloister killed with SIGKILL: the sandbox dies too" "0" "$(eventually 0 alive 'sleep 910[56]')"

"$CLOISTER" run $ROOT_ARGS -- sh -c 'sleep 9107 & sleep 9108' &
pid=$!
eventually 2 alive 'sleep 910[78]' >/dev/null
kill -TERM "$pid"
wait "$pid"
status=$?
expect "cloister given SIGTERM exits 143" "143" "$status"
expect "cloister given SIGTERM: the sandbox dies" "0" "$(eventually 0 alive 'sleep 910[78]')"
