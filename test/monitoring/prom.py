#!/usr/bin/python3
"""test/monitoring/prom.py: what monitoring.sh asks a Prometheus server (stdlib only).

    prom.py URL query EXPR        one line per sample of the instant query EXPR:
                                  "label=value,label=value VALUE" (labels sorted, __name__ first)
    prom.py URL alert NAME        the state of alert NAME: firing, pending or none
    prom.py URL ready             exit 0 once /-/ready answers (within 30 s)

Exits 2 when Prometheus refuses the request (the error on stderr).
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.stderr.write("%s: HTTP %d %s\n" % (url, e.code, e.read().decode(errors="replace")))
        sys.exit(2)


def main():
    base, cmd = sys.argv[1].rstrip("/"), sys.argv[2]
    if cmd == "ready":
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/-/ready", timeout=2)
                return 0
            except Exception:
                time.sleep(0.2)
        return 1
    if cmd == "query":
        d = get(base + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[3]}))
        for s in d["data"]["result"]:
            m = s["metric"]
            keys = sorted(k for k in m if k != "__name__")
            head = ([m["__name__"]] if "__name__" in m else []) + ["%s=%s" % (k, m[k]) for k in keys]
            print("%s %s" % (",".join(head), s["value"][1]))
        return 0
    if cmd == "alert":
        d = get(base + "/api/v1/alerts")
        states = [a["state"] for a in d["data"]["alerts"] if a["labels"].get("alertname") == sys.argv[3]]
        print("firing" if "firing" in states else "pending" if "pending" in states else "none")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
