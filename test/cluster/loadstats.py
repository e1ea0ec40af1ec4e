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
    loadstats.py agree --logs LOG... --report T,SINCE,MEAN... --tolerance PCT --label L
        the same for capacity_report(since): MEAN is its "current" (the mean over the window) read
        at epoch T with a window of SINCE seconds, against pgbench's transactions completed in
        (T - SINCE, T]; several are summed, one per replica.

    loadstats.py lag POLL_CSV --from T0 --to T1
        per replica, the p50, p95 and worst of the replication lag its sampler reported
        (latest() replication_lag_sec) and of pg_stat_replication.replay_lag on the primary, from
        the test's once-a-second poll ("epoch,replica,role,sampler_lag,psr_lag,..."); exits 1 when
        the p50s differ by more than 0.05 s or the p95s by more than 0.25 s. The two are read up
        to a sample interval apart, so a stall shorter than a second shows in one and not the
        other: the worst values are printed, not compared.

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


def sampler_windows(paths, t_from, t_to):
    """(rate, first, last) per CSV: the time-weighted mean of its samples inside [t_from, t_to]"""
    out = []
    for path in paths:
        rows = read_csv(path)
        integral, first, last = 0.0, None, None
        for (t0, _), (t1, v) in zip(rows, rows[1:]):
            if t0 < t_from or t1 > t_to:
                continue
            integral += v * (t1 - t0)
            first = t0 if first is None else first
            last = t1
        if first is None or last - first <= 0:
            raise ValueError("no sampler interval of %s inside the run" % path)
        out.append((integral / (last - first), first, last))
    return out


def report_windows(points):
    """(rate, first, last) per capacity_report reading, each "T,SINCE,MEAN" """
    out = []
    for p in points:
        t, since, mean = (float(x) for x in p.split(","))
        out.append((mean, t - since, t))
    return out


def cmd_agree(args):
    ends, _, _ = read_logs(args.logs)
    try:
        wins = sampler_windows(args.sampler, args.t_from, args.t_to) if args.sampler else \
            report_windows(args.report)
    except ValueError as e:
        print("%s: FAIL %s" % (args.label, e))
        return 1
    measured = sum(w[0] for w in wins)
    ref = statistics.mean(count_between(ends, a, b) / (b - a) for _, a, b in wins)
    diff = 100.0 * (measured - ref) / ref if ref > 0 else float("inf")
    ok = abs(diff) <= args.tolerance
    print("%s: %.1f tx/s vs pgbench %.1f tx/s over %s s: %+.2f %% (tolerance %.0f %%) %s" % (
        args.label, measured, ref, "+".join("%.0f" % (b - a) for _, a, b in wins), diff,
        args.tolerance, "ok" if ok else "FAIL"))
    return 0 if ok else 1


def pct(values, q):
    """the q-th percentile (nearest rank) of a non-empty list"""
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q / 100.0 * len(v) + 0.5)) - 1))]


def cmd_lag(args):
    per = {}
    with open(args.poll) as f:
        for line in f:
            p = line.strip().split(",")
            if len(p) < 5 or not (args.t_from <= float(p[0]) <= args.t_to):
                continue
            s, r = per.setdefault(p[1], ([], []))
            s.append(float(p[3] or 0))
            r.append(float(p[4] or 0))
    if not per:
        print("FAIL no poll inside the run")
        return 1
    ok, out = True, []
    for name in sorted(per):
        s, r = per[name]
        d50 = abs(pct(s, 50) - pct(r, 50))
        d95 = abs(pct(s, 95) - pct(r, 95))
        ok = ok and d50 <= 0.05 and d95 <= 0.25
        out.append("%s sampler p50 %.3f p95 %.3f max %.3f s / pg_stat_replication p50 %.3f p95 %.3f max %.3f s (%d polls)" % (
            name, pct(s, 50), pct(s, 95), max(s), pct(r, 50), pct(r, 95), max(r), len(s)))
    print("; ".join(out) + (" ok" if ok else " FAIL"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("latency")
    p.add_argument("logs", nargs="+")
    p = sub.add_parser("agree")
    p.add_argument("--logs", nargs="+", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--sampler", nargs="+")
    src.add_argument("--report", nargs="+")
    p.add_argument("--from", dest="t_from", type=float)
    p.add_argument("--to", dest="t_to", type=float)
    p.add_argument("--tolerance", type=float, required=True)
    p.add_argument("--label", default="tps")
    p = sub.add_parser("lag")
    p.add_argument("poll")
    p.add_argument("--from", dest="t_from", type=float, required=True)
    p.add_argument("--to", dest="t_to", type=float, required=True)
    args = ap.parse_args()
    if args.cmd == "agree" and args.sampler and (args.t_from is None or args.t_to is None):
        ap.error("agree --sampler needs --from and --to")
    return {"latency": cmd_latency, "agree": cmd_agree, "lag": cmd_lag}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
