#!/usr/bin/env python3
"""bench/textroom/summarize.py — the records and the table of
bench/textroom_compare.sh.

  record --gateway G --run N --loadgen FILE --failure TEXT --load A,B
      one JSON line: the generator's summary (its first stdout line, the
      textroom driver's JSON) with the gateway, the run, the load average
      before and after, and why it failed (the script's reason, else the
      generator's own).
  progress       (a record on stdin) one line for the log.
  table FILE     the markdown table of every record in FILE and, per run
                 and phase, a parley/janus ratio row; exit 1 when a run
                 failed or lost a delivery. "waited %" is the time the
                 process's threads were runnable but queued for a CPU, as
                 % of the phase (summed over threads: it may pass 100).
"""
import argparse
import json
import sys


def load_summary(path):
    try:
        with open(path) as f:
            first = f.readline()
        return json.loads(first) if first.strip() else None
    except (OSError, ValueError):
        return None


def record(args):
    summary = load_summary(args.loadgen)
    failure = args.failure or (summary or {}).get("failure") or ("" if summary else "no summary from parley-loadgen")
    load = [float(x) for x in args.load.split(",") if x]
    out = {
        "kind": "run", "gateway": args.gateway, "run": args.run, "load_average": load,
        "failure": failure or None, "summary": summary,
    }
    print(json.dumps(out, separators=(",", ":")))


def progress(_args):
    r = json.loads(sys.stdin.readline())
    if r["failure"]:
        print("[textroom]   -> FAILED: %s" % r["failure"])
        return
    parts = []
    for p in r["summary"]["phases"]:
        parts.append("%s %.0f msg/s p50 %.2f ms, %.2f µs/delivery, %d missing" % (
            p["phase"], p["messages_per_s"], p["latency_p50_ms"], p["server_cpu_us_per_delivery"] or 0, p["missing"]))
    print("[textroom]   -> " + "; ".join(parts))


def fmt(value, digits):
    return "-" if value is None else "%.*f" % (digits, value)


COLUMNS = ("| run | gateway | phase | participants | messages | messages/s | deliveries/s | delivery p50 ms "
           "| delivery p99 ms | missing | server CPU µs per delivery | server CPU % | server waited % | generator CPU % "
           "| generator waited % | load avg |")


def table(args):
    records = [json.loads(line) for line in open(args.file) if line.strip()]
    records = [r for r in records if r.get("kind") == "run"]
    ok = True
    print(COLUMNS)
    print("|" + "---|" * COLUMNS.count(" | ") + "---|")
    by_key = {}
    for r in records:
        load = "%.1f→%.1f" % tuple(r["load_average"]) if len(r["load_average"]) == 2 else "-"
        if r["failure"]:
            ok = False
            print("| %d | %s | FAILED: %s | | | | | | | | | | | | | %s |" % (r["run"], r["gateway"], r["failure"], load))
        for p in (r["summary"] or {}).get("phases") or []:
            ok = ok and p["missing"] == 0
            by_key[(r["run"], p["phase"], r["gateway"])] = p
            print("| %d | %s | %s | %d | %d | %.0f | %.0f | %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (
                r["run"], r["gateway"], p["phase"], p["participants"], p["messages"], p["messages_per_s"],
                p["deliveries_per_s"], fmt(p["latency_p50_ms"], 2), fmt(p["latency_p99_ms"], 2), p["missing"],
                fmt(p["server_cpu_us_per_delivery"], 1), fmt(p.get("server_cpu_pct"), 0),
                fmt(p.get("server_wait_pct"), 0), fmt(p.get("loadgen_cpu_pct"), 0),
                fmt(p.get("loadgen_wait_pct"), 0), load))
    for (run, phase, gw), p in by_key.items():
        j = by_key.get((run, phase, "janus"))
        if gw != "parley" or j is None:
            continue

        def ratio(key, digits=2):
            a, b = p.get(key), j.get(key)
            return "-" if a is None or not b else "%.*f" % (digits, a / b)
        print("| %d | parley/janus | %s | | | %s | %s | %s | %s | | %s | %s | | | | |" % (
            run, phase, ratio("messages_per_s"), ratio("deliveries_per_s"), ratio("latency_p50_ms"),
            ratio("latency_p99_ms"), ratio("server_cpu_us_per_delivery"), ratio("server_cpu_pct")))
    return 0 if ok and records else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--gateway", required=True)
    r.add_argument("--run", type=int, required=True)
    r.add_argument("--loadgen", required=True)
    r.add_argument("--failure", default="")
    r.add_argument("--load", default="")
    sub.add_parser("progress")
    t = sub.add_parser("table")
    t.add_argument("file")
    args = ap.parse_args()
    if args.cmd == "record":
        record(args)
    elif args.cmd == "progress":
        progress(args)
    else:
        sys.exit(table(args))


if __name__ == "__main__":
    main()
