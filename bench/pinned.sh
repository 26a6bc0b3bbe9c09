#!/usr/bin/env bash
# Runs ./flipside bench with its JVM (the broker, Flipside's roles) on CPU 1, and the embedded mysqld (every thread)
# and the bench's writer threads on CPU 0: as if Flipside and Kafka ran on a host of their own and the application's
# writers beside MySQL. An experiment for a 2-core machine (BENCHMARKS.md, Levers), not part of Flipside. With
# --copy-cpus, the copy's sessions run where its resource group says (VCPU), and every other mysqld thread on CPU 0.
#
#   bench/pinned.sh OUT [bench options...]    writes OUT.json, OUT.log and OUT.pin (what was pinned, and when)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$1
shift
taskset -c 1 env FLIPSIDE_JAVA_OPTS="${FLIPSIDE_JAVA_OPTS:--Xmx512m}" ./flipside bench "$@" --json "$out.json" \
    > "$out.log" 2>&1 &
bench=$!
pinned=" "
while kill -0 "$bench" 2>/dev/null; do
    # mysqld's threads are pinned once it starts; the threads it creates later inherit the pinning.
    for pid in $(pgrep -x mysqld || true); do
        if [[ "$pinned" != *" m$pid "* ]] && taskset -a -c -p 0 "$pid" > /dev/null 2>&1; then
            pinned+="m$pid "
            echo "$(date +%T) mysqld $pid pinned to CPU 0" >> "$out.pin"
        fi
        # A thread that leaves a resource group with VCPU (--copy-cpus) goes back to MySQL's default group, which
        # lets it run on every CPU; it may serve a writer next (MySQL's thread cache): back to CPU 0 with the rest.
        for task in /proc/"$pid"/task/*; do
            if grep -q "^Cpus_allowed_list:[[:space:]]*0-" "$task/status" 2>/dev/null \
                    && taskset -c -p 0 "${task##*/}" > /dev/null 2>&1; then
                echo "$(date +%T) mysqld thread ${task##*/} back on all CPUs, pinned to CPU 0 again" >> "$out.pin"
            fi
        done
    done
    # Each scenario starts new writer threads (in the bench's JVM, or with --writers-process in a JVM of their own);
    # each is pinned within 0.2 s of its start.
    for jvm in $(pgrep -f 'flipside.jar (bench|io.flipside.cli.bench.WriteLoad)' || true); do
        for task in /proc/"$jvm"/task/*; do
            tid=${task##*/}
            if [[ "$pinned" != *" t$tid "* ]] && grep -q '^bench-writer-' "$task/comm" 2>/dev/null \
                    && taskset -c -p 0 "$tid" > /dev/null 2>&1; then
                pinned+="t$tid "
                echo "$(date +%T) writer thread $tid pinned to CPU 0" >> "$out.pin"
            fi
        done
    done
    sleep 0.2
done
status=0
wait "$bench" || status=$?
echo "bench exit $status" >> "$out.pin"
exit "$status"
