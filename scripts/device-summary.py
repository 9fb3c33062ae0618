"""One line per report of a device call's bench.jsonl (scan, model and train reports of `mambair bench ... --json`)."""
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line); n, x = r["name"], r["report"]
    if n.startswith("sweep-"): continue
    if isinstance(x, list):
        for s in x:
            for m in s["Kernel"]:
                print(f"{n:24s} {m['Backend']:8s} fwd {m['ForwardMs']:.3f} ms  fwd+bwd {m['ForwardBackwardMs'] or 0:.3f} ms  peak {m.get('PeakDeviceMemoryMb') or 0:.0f} MB  [{r['variant']}]")
    elif "Height" in x:
        print(f"{n:24s} {x['Backend']:8s} {x.get('DType', 'float32'):8s} median {x['MedianMs']:.1f} ms (min {x['MinMs']:.1f})  scan {x['ScanMsPerImage']:.1f} ms/{x['ScanCallsPerImage']} calls  peak {x.get('PeakDeviceMemoryMb') or 0:.0f} MB  [{r['variant']}]")
    else:
        print(f"{n:24s} {x['Backend']:8s} step median {x['MedianMs']:.1f} ms (min {x['MinMs']:.1f})  peak {x.get('PeakDeviceMemoryMb') or 0:.0f} MB  [{r['variant']}]")
