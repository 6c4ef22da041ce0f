"""Helpers for the admin endpoint tests: HTTP on loopback and a checking Prometheus parser.

Standard library only (urllib, json, re). Every request has a timeout.
"""

import json
import math
import re
import urllib.error
import urllib.request

HTTP_TIMEOUT_S = 10.0


def http_get(port, path, timeout=HTTP_TIMEOUT_S):
    """GET http://127.0.0.1:<port><path>; returns (status, content_type, text) for any status."""
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8", "replace")


def command(port, name, url="/commands"):
    """Runs an admin command; returns the decoded JSON object (asserts HTTP 200 and JSON)."""
    status, ctype, text = http_get(port, f"{url}/{name}")
    assert status == 200, (name, status, text)
    assert ctype.startswith("application/json"), (name, ctype)
    return json.loads(text)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def _labels(text):
    labels, pos = {}, 0
    while text and pos < len(text):
        m = _LABEL.match(text, pos)
        assert m, f"bad label set {text!r} at {pos}"
        labels[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\n", "\n").replace(
            "\\\\", "\\")
        pos = m.end()
    return labels


def _value(text):
    if text in ("+Inf", "-Inf"):
        return math.inf if text[0] == "+" else -math.inf
    return float(text)


def _check_histogram(name, samples):
    series = {}
    for sample, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if sample == name + "_bucket":
            s["buckets"].append((_value(labels["le"]), value))
        elif sample == name + "_sum":
            s["sum"] = value
        elif sample == name + "_count":
            s["count"] = value
        else:
            raise AssertionError(f"{sample} is not a sample of histogram {name}")
    for key, s in series.items():
        les = [le for le, _ in s["buckets"]]
        counts = [c for _, c in s["buckets"]]
        assert les and les[-1] == math.inf, f"{name}{key}: last bucket is not +Inf"
        assert les == sorted(les), f"{name}{key}: buckets not in order"
        assert counts == sorted(counts), f"{name}{key}: buckets not cumulative"
        assert s["count"] == counts[-1], f"{name}{key}: _count != +Inf bucket"
        assert s["sum"] is not None, f"{name}{key}: no _sum"
    return series


def parse_prometheus(text):
    """Parses the text exposition format and checks its rules; returns {family: info}.

    info = {"type", "help", "samples": [(sample_name, labels, value)], "series" (histograms)}.
    Raises AssertionError on: a sample before its family's HELP/TYPE, a family declared twice,
    a counter not named *_total, a malformed line, or a histogram whose buckets are not
    cumulative up to +Inf == _count.
    """
    families, current = {}, None
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            name, help_text = line[7:].split(" ", 1)
            assert name not in families, f"family {name} declared twice"
            families[name] = {"help": help_text, "type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert name == current and families[name]["type"] is None, line
            assert kind in ("counter", "gauge", "histogram"), line
            families[name]["type"] = kind
        else:
            assert not line.startswith("#"), line
            m = _SAMPLE.match(line)
            assert m, f"malformed sample line {line!r}"
            name = m.group(1)
            assert current and families[current]["type"], f"{name} before HELP/TYPE"
            allowed = {current}
            if families[current]["type"] == "histogram":
                allowed = {current + s for s in ("_bucket", "_sum", "_count")}
            assert name in allowed, f"sample {name} under family {current}"
            families[current]["samples"].append((name, _labels(m.group(2) or ""),
                                                 _value(m.group(3))))
    for name, info in families.items():
        if info["type"] == "counter":
            assert name.endswith("_total"), f"counter {name} does not end in _total"
        if info["type"] == "histogram":
            info["series"] = _check_histogram(name, info["samples"])
    return families


def metric(families, name, **labels):
    """The value of the sample `name` whose labels include `labels` (None if absent)."""
    for family in families.values():
        for sample, sample_labels, value in family["samples"]:
            if sample == name and all(sample_labels.get(k) == v for k, v in labels.items()):
                return value
    return None
