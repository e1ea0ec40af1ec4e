#!/usr/bin/env python3
# dashboard_queries.py: a Grafana dashboard's Prometheus queries against a real Prometheus.
#
#   python3 test/monitoring/dashboard_queries.py DASHBOARD.json PROMETHEUS_URL [--require-data]
#
# Extracts the `expr` of every target of every panel (panels nested in rows too, and the old
# top-level "rows" layout) and the query of every query variable, replaces Grafana's variables
# with values that keep the PromQL valid ($cluster, ${instance}, ${instance:regex}, [[instance]]
# become ".*", a constant its value, $__interval, $__rate_interval, $__range and the interval
# variables "1m", $__range_s 60, $__from/$__to a timestamp in ms) and sends each to
# PROMETHEUS_URL/api/v1/query as an instant query. Variable queries go where Grafana sends them:
# label_values(metric, label) checks `metric` through /api/v1/series, label_values(label)
# /api/v1/label/<label>/values, label_names() /api/v1/labels, metrics(regex) the metric names,
# query_result(expr) an instant query of expr, anything else the series API.
# A variable that the dashboard does not define is left as it is (Grafana would send it as is).
#
# Prints one line per query, "ok <panel title>: <expr>" or "FAIL <panel title>: <expr>" followed
# by the query sent and Prometheus's error, then "N queries, M failed". Exit status 1 when a query
# is refused (HTTP 400/422 or status "error"), with --require-data also when one returns no
# sample (no series for a variable query), or when the dashboard has no query at all; 2 on usage
# errors or when Prometheus cannot be reached. Python 3 standard library only.
import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

INTERVAL = "1m"
BUILTINS = {
    "__interval": INTERVAL,
    "__rate_interval": INTERVAL,
    "__range": INTERVAL,
    "__interval_ms": "60000",
    "__range_s": "60",
    "__range_ms": "60000",
}
# ${name}, ${name:format}, [[name]], [[name:format]], $name
VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")

LABEL_VALUES_RE = re.compile(r"^\s*label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", re.S)
LABEL_NAMES_RE = re.compile(r"^\s*label_names\(\s*\)\s*$")
METRICS_RE = re.compile(r"^\s*metrics\((.+)\)\s*$", re.S)
QUERY_RESULT_RE = re.compile(r"^\s*query_result\((.+)\)\s*$", re.S)


class Unreachable(Exception):
    pass


def variable_values(dashboard):
    """Value of each template variable, as substituted into a query."""
    values = dict(BUILTINS)
    now_ms = int(time.time() * 1000)
    values["__from"] = str(now_ms - 60000)
    values["__to"] = str(now_ms)
    for var in (dashboard.get("templating") or {}).get("list") or []:
        name = var.get("name")
        if not name:
            continue
        kind = var.get("type")
        if kind == "interval":
            values[name] = INTERVAL
        elif kind == "constant":
            values[name] = str(var.get("query", ""))
        elif kind == "textbox":
            current = (var.get("current") or {}).get("value")
            values[name] = str(current if current not in (None, "") else var.get("query", ""))
        else:
            # query, custom, datasource...: used in regex matchers (=~), so anything matches
            values[name] = ".*"
    return values


def substitute(expr, values):
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))

    return VAR_RE.sub(repl, expr)


def is_prometheus(ds):
    """False only for a datasource reference that is clearly another type."""
    if ds is None or isinstance(ds, str):
        return True
    if isinstance(ds, dict):
        return ds.get("type") in (None, "prometheus")
    return True


def walk_panels(panels):
    for panel in panels or []:
        yield panel
        # rows (collapsed rows keep their panels inside)
        yield from walk_panels(panel.get("panels"))


def panel_queries(dashboard):
    """(title, expr) for every Prometheus target of every panel."""
    panels = list(walk_panels(dashboard.get("panels")))
    for old_row in dashboard.get("rows") or []:
        panels.extend(walk_panels(old_row.get("panels")))
    for panel in panels:
        title = panel.get("title") or "(untitled panel %s)" % panel.get("id")
        panel_ds = panel.get("datasource")
        for target in panel.get("targets") or []:
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                continue
            if not is_prometheus(target.get("datasource", panel_ds)):
                continue
            yield title, expr


def variable_queries(dashboard):
    """(title, query) for every Prometheus query variable."""
    for var in (dashboard.get("templating") or {}).get("list") or []:
        if var.get("type") != "query" or not is_prometheus(var.get("datasource")):
            continue
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if not isinstance(query, str) or not query.strip():
            query = var.get("definition")
        if isinstance(query, str) and query.strip():
            yield "variable %s" % var.get("name"), query


def api(base, path, params):
    """POST to the API; returns (ok, data or error text)."""
    body = urllib.parse.urlencode(params, doseq=True).encode()
    req = urllib.request.Request(base + path, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            doc = json.loads(raw)
            return False, "HTTP %d: %s: %s" % (e.code, doc.get("errorType"), doc.get("error"))
        except ValueError:
            return False, "HTTP %d: %s" % (e.code, raw[:300].decode(errors="replace").strip())
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable("%s%s: %s" % (base, path, getattr(e, "reason", e)))
    try:
        doc = json.loads(raw)
    except ValueError:
        return False, "not JSON: %s" % raw[:300].decode(errors="replace").strip()
    if doc.get("status") != "success":
        return False, "%s: %s" % (doc.get("errorType"), doc.get("error"))
    return True, doc.get("data")


def instant(base, expr):
    ok, data = api(base, "/api/v1/query", {"query": expr})
    if not ok:
        return False, data, None
    result = data.get("result")
    if data.get("resultType") in ("vector", "matrix"):
        samples = len(result or [])
    else:  # scalar, string
        samples = 1
    return True, None, samples


def check_variable(base, query):
    """(ok, error, n) for a variable query, as Grafana's Prometheus data source runs it."""
    m = LABEL_NAMES_RE.match(query)
    if m:
        ok, data = api(base, "/api/v1/labels", {})
        return ok, None if ok else data, len(data or []) if ok else None
    m = LABEL_VALUES_RE.match(query)
    if m:
        metric, label = m.group(1), m.group(2)
        if metric is None:
            path = "/api/v1/label/%s/values" % urllib.parse.quote(label)
            ok, data = api(base, path, {})
            return ok, None if ok else data, len(data or []) if ok else None
        query = metric
    else:
        m = METRICS_RE.match(query)
        if m:
            try:
                pattern = re.compile(m.group(1).strip())
            except re.error as e:
                return False, "bad regular expression: %s" % e, None
            ok, data = api(base, "/api/v1/label/__name__/values", {})
            if not ok:
                return False, data, None
            return True, None, sum(1 for n in data or [] if pattern.search(n))
        m = QUERY_RESULT_RE.match(query)
        if m:
            return instant(base, m.group(1))
    ok, data = api(base, "/api/v1/series", {"match[]": query.strip()})
    return ok, None if ok else data, len(data or []) if ok else None


def one_line(text):
    return " ".join(text.split())


def main():
    parser = argparse.ArgumentParser(
        description="Run a Grafana dashboard's Prometheus queries against a Prometheus server.")
    parser.add_argument("dashboard", help="dashboard JSON file")
    parser.add_argument("prometheus", help="Prometheus base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--require-data", action="store_true",
                        help="also fail when a query returns no sample")
    args = parser.parse_args()

    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dashboard = json.load(f)
    except (OSError, ValueError) as e:
        print("dashboard_queries: %s: %s" % (args.dashboard, e), file=sys.stderr)
        return 2
    if isinstance(dashboard.get("dashboard"), dict):  # API export wrapper
        dashboard = dashboard["dashboard"]
    base = args.prometheus.rstrip("/")
    values = variable_values(dashboard)

    total = failed = 0
    jobs = [(t, q, True) for t, q in variable_queries(dashboard)]
    jobs += [(t, q, False) for t, q in panel_queries(dashboard)]
    try:
        for title, query, is_variable in jobs:
            total += 1
            sent = substitute(query, values)
            if is_variable:
                ok, error, samples = check_variable(base, sent)
            else:
                ok, error, samples = instant(base, sent)
            if ok and args.require_data and samples == 0:
                ok, error = False, "no data"
            if ok:
                print("ok %s: %s" % (title, one_line(query)))
                continue
            failed += 1
            print("FAIL %s: %s" % (title, one_line(query)))
            if sent != query:
                print("    sent: %s" % one_line(sent))
            print("    error: %s" % error)
    except Unreachable as e:
        print("dashboard_queries: cannot reach Prometheus: %s" % e, file=sys.stderr)
        return 2

    print("%d queries, %d failed" % (total, failed))
    if total == 0:
        print("dashboard_queries: no Prometheus query found in %s" % args.dashboard, file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
