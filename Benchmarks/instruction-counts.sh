#!/usr/bin/env bash
# Instructions per operation for every benchmark case, counted by valgrind's callgrind: unlike
# wall-clock numbers these do not move with the load on the machine. Each case runs N and 2N
# times; (Ir(2N) - Ir(N)) / N cancels process start-up and fixture setup.
#
#   cd Benchmarks && swift build -c release --product InstructionCount && ./instruction-counts.sh [FILTER]
#
# FILTER is an optional grep -E pattern over case names, e.g. 'HS256 verify'.
set -euo pipefail
cd "$(dirname "$0")"
[[ -x .build/release/InstructionCount ]] || { echo "build first: swift build -c release --product InstructionCount" >&2; exit 1; }
filter=${1:-.}
# valgrind 3.19 cannot read the DWARF 5 that Swift 6.3 emits: count on a copy without it (the
# symbol table stays, so callgrind_annotate still names functions).
binary=$(mktemp)
trap 'rm -f "$binary"' EXIT
strip --strip-debug -o "$binary" .build/release/InstructionCount

instructions() { # case iterations -> total instructions collected
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-24s %14s\n' case instructions/op
for algorithm in HS256 RS256 PS256 ES256 EdDSA; do
    for operation in verify sign; do
        case "$algorithm $operation" in
            "HS256 "*) n=2000 ;;
            "RS256 sign" | "PS256 sign") n=20 ;;
            "RS256 verify" | "PS256 verify") n=400 ;;
            *) n=200 ;;
        esac
        for implementation in JWTAuth jwt-kit raw; do
            name="$algorithm $operation: $implementation"
            grep -qE -- "$filter" <<<"$name" || continue
            one=$(instructions "$name" "$n")
            two=$(instructions "$name" $((2 * n)))
            printf '%-24s %14d\n' "$name" $(((two - one) / n))
        done
    done
done
