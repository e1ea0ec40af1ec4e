#!/usr/bin/python3
"""test/cluster/loadstats.py: figures of one load scenario, from pgbench's per-transaction logs

    loadstats.py latency LOG...
        transactions, TPS over the run, p50/p95/p99/max latency in ms (computed from the
        per-transaction logs as the playbook's run-load-test.sh does: statistics.quantiles)
    loadstats.py agree --logs LOG... --sampler CSV... --from T0 --to T1 --tolerance PCT --label L
        the TPS the extension's sampler measured (the samples of each CSV, "epoch,value" lines of
        capacity.history(metric, ..., 'raw'), whose intervals lie inside [T0, T1], integrated over
        time; several CSVs are summed as rates: one per replica) against the TPS of the pgbench
        client (its transactions completed inside the same intervals). Prints one line and exits
        1 when they differ by more than PCT percent.

pgbench -l writes one line per transaction: client_id transaction_no time script_no time_epoch
time_us [schedule_lag] ...; "time" is the latency in microseconds (with --rate, counted from the
scheduled start, so it includes the schedule lag) or "failed"/"skipped". The completion time is
time_epoch + time_us / 1e6.
"""

import argparse
import bisect
import statistics
import sys


def read_logs(paths):
    """(completion epochs, latencies in ms, failed count) of the transactions in pgbench logs"""
    ends, lat, failed = [], [], 0
    for path in paths:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 6:
                    continue
                if not p[2].isdigit():
                    failed += p[2] == "failed"
                    continue
                ends.append(int(p[4]) + int(p[5]) / 1e6)
                lat.append(int(p[2]) / 1000.0)
    ends.sort()
    return ends, lat, failed


def read_csv(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.strip().split(",")
            if len(p) == 2 and p[1] != "":
                rows.append((float(p[0]), float(p[1])))
    rows.sort()
    return rows


def count_between(ends, a, b):
    """transactions completed in (a, b]"""
    return bisect.bisect_right(ends, b) - bisect.bisect_right(ends, a)


def cmd_latency(args):
    ends, lat, failed = read_logs(args.logs)
    if not lat:
        print("transactions=0 failed=%d tps=0 p50=- p95=- p99=- max=-" % failed)
        return 0
    span = ends[-1] - ends[0] if len(ends) > 1 else 0
    q20 = statistics.quantiles(lat, n=20) if len(lat) > 1 else [lat[0]] * 19
    q100 = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
    print("transactions=%d failed=%d tps=%.1f p50=%.2f p95=%.2f p99=%.2f max=%.2f" % (
        len(lat), failed, len(lat) / span if span > 0 else 0,
        statistics.median(lat), q20[18], q100[98], max(lat)))
    return 0


def cmd_agree(args):
    ends, _, _ = read_logs(args.logs)
    sampler_rate = 0.0
    ref_rates = []
    spans = []
    for path in args.sampler:
        rows = read_csv(path)
        integral, first, last = 0.0, None, None
        for (t0, _), (t1, v) in zip(rows, rows[1:]):
            if t0 < args.t_from or t1 > args.t_to:
                continue
            integral += v * (t1 - t0)
            first = t0 if first is None else first
            last = t1
        if first is None or last - first <= 0:
            print("%s: FAIL no sampler interval of %s inside the run" % (args.label, path))
            return 1
        sampler_rate += integral / (last - first)
        ref_rates.append(count_between(ends, first, last) / (last - first))
        spans.append(last - first)
    ref = statistics.mean(ref_rates)
    diff = 100.0 * (sampler_rate - ref) / ref if ref > 0 else float("inf")
    ok = abs(diff) <= args.tolerance
    print("%s: sampler %.1f tx/s vs pgbench %.1f tx/s over %s s: %+.2f %% (tolerance %.0f %%) %s" % (
        args.label, sampler_rate, ref, "+".join("%.0f" % s for s in spans), diff, args.tolerance,
        "ok" if ok else "FAIL"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("latency")
    p.add_argument("logs", nargs="+")
    p = sub.add_parser("agree")
    p.add_argument("--logs", nargs="+", required=True)
    p.add_argument("--sampler", nargs="+", required=True)
    p.add_argument("--from", dest="t_from", type=float, required=True)
    p.add_argument("--to", dest="t_to", type=float, required=True)
    p.add_argument("--tolerance", type=float, required=True)
    p.add_argument("--label", default="tps")
    args = ap.parse_args()
    return cmd_latency(args) if args.cmd == "latency" else cmd_agree(args)


if __name__ == "__main__":
    sys.exit(main())
