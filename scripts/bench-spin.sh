#!/usr/bin/env bash
# OpenMP spin comparison (docs/BENCHMARKS.md, "Effect of OpenMP spinning"): five rounds alternating the previous setting
# (threads sleep at once) and the default (spin about 0.1 ms), one `bench model` report per run.
cd "$(dirname "$0")/.."
dll=src/MambaIR.Cli/bin/Release/net10.0/MambaIR.Cli.dll
run() { dotnet $dll bench model --preset $1 --size $2 --threads 2 --repeat $3 --device cpu --json 2>/dev/null | python3 -c "import json,sys;d=json.load(sys.stdin);print('%.1f/%.0f' % (d['MedianMs'], d['UserCpuMsPerImage']))"; }
for round in 1 2 3 4 5; do
  for p in v2-light-x2:64x64:5 light-x2:64x64:5 light-x2:128x128:3 v2-b-x2:64x64:3 classic-x2:64x64:3; do
    IFS=: read preset size rep <<< "$p"
    a=$(OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=0 run $preset $size $rep)
    b=$(run $preset $size $rep)
    echo "$round $preset $size old=$a new=$b"
  done
done
