#include "server/admin/sessions_page.h"

namespace paddock::server::admin {
namespace {

// The page. __FEED__ is replaced by the feed's URL as a JavaScript string literal.
constexpr const char* kPage = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paddock sessions</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f6f9; }
  header { background: #1f3a5f; color: #fff; padding: 12px 20px; display: flex;
           align-items: baseline; gap: 24px; flex-wrap: wrap; }
  header h1 { font-size: 20px; margin: 0; }
  header .stat b { font-size: 18px; }
  #status { margin-left: auto; font-size: 12px; opacity: .85; }
  #status.bad { color: #ffb3b3; opacity: 1; }
  main { padding: 12px 20px; }
  h2 { font-size: 16px; margin: 18px 0 6px; }
  table { border-collapse: collapse; width: 100%; background: #fff;
          box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e7ee;
           vertical-align: top; }
  th { background: #e9eef5; font-weight: 600; font-size: 12px; text-transform: uppercase;
       letter-spacing: .03em; }
  td.id { font-family: ui-monospace, monospace; white-space: nowrap; }
  td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  .paths { font-family: ui-monospace, monospace; font-size: 12px; color: #41506a; }
  .bar { height: 6px; background: #e3e7ee; border-radius: 3px; margin-top: 3px; }
  .bar span { display: block; height: 6px; border-radius: 3px; background: #2e9e5b; }
  .bar span.low { background: #e0a106; }
  .bar span.crit { background: #d64545; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
           font-weight: 600; color: #fff; }
  .closed { background: #2e7dd6; }
  .expired { background: #d64545; }
  .muted { color: #7a869a; }
  .empty td { color: #7a869a; font-style: italic; text-align: center; }
</style>
</head>
<body>
<header>
  <h1>Paddock sessions</h1>
  <span class="stat">server <b id="server">-</b></span>
  <span class="stat">role <b id="role">-</b></span>
  <span class="stat">live <b id="live-count">-</b></span>
  <span class="stat">ended <b id="ended-count">-</b></span>
  <span id="status">loading</span>
</header>
<main>
<h2>Live sessions</h2>
<table id="live">
  <thead><tr><th>Session</th><th>Client</th><th>Server</th><th>Timeout</th>
    <th>Last heard</th><th>Expires in</th><th>Ephemerals</th><th>Watches</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Ended sessions <span class="muted" id="ended-window"></span></h2>
<table id="ended">
  <thead><tr><th>Session</th><th>Ended</th><th>Reason</th><th>Detail</th><th>Lifetime</th>
    <th>Client</th><th>Ephemerals deleted</th></tr></thead>
  <tbody></tbody>
</table>
</main>
<script>
"use strict";
const FEED = __FEED__;

function dur(ms) {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  const m = Math.floor(ms / 60000);
  return m + " min " + Math.round((ms % 60000) / 1000) + " s";
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  if (cls) td.className = cls;
  if (text instanceof Node) td.appendChild(text); else td.textContent = text;
  row.appendChild(td);
  return td;
}

function paths(count, list, suffix) {
  const div = document.createElement("div");
  const head = document.createElement("div");
  head.textContent = String(count);
  div.appendChild(head);
  for (const p of list) {
    const line = document.createElement("div");
    line.className = "paths";
    line.textContent = p + (suffix || "");
    div.appendChild(line);
  }
  if (count > list.length) {
    const more = document.createElement("div");
    more.className = "muted";
    more.textContent = "... " + (count - list.length) + " more";
    div.appendChild(more);
  }
  return div;
}

function expiry(s) {
  const div = document.createElement("div");
  div.textContent = s.expires_in_ms === null ? "expiring" : dur(s.expires_in_ms);
  if (s.expires_in_ms !== null && s.timeout_ms > 0) {
    const bar = document.createElement("div");
    bar.className = "bar";
    const fill = document.createElement("span");
    const left = Math.max(0, Math.min(1, s.expires_in_ms / s.timeout_ms));
    fill.style.width = (left * 100).toFixed(1) + "%";
    if (left < 0.25) fill.className = "crit"; else if (left < 0.6) fill.className = "low";
    bar.appendChild(fill);
    div.appendChild(bar);
  }
  return div;
}

function client(s) {
  if (s.connected) return s.client_address;
  const div = document.createElement("div");
  div.className = "muted";
  div.textContent = "not connected" + (s.client_address ? " (was " + s.client_address + ")" : "")
      + (s.last_disconnect ? "; last connection " + s.last_disconnect : "");
  return div;
}

function fill(tbody, items, render, emptyText, columns) {
  const rows = [];
  for (const item of items) rows.push(render(item));
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = cell(tr, emptyText);
    td.colSpan = columns;
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}

function liveRow(s) {
  const tr = document.createElement("tr");
  tr.dataset.session = s.session_id;
  cell(tr, s.session_id, "id");
  cell(tr, client(s));
  cell(tr, s.server || "-");
  cell(tr, dur(s.timeout_ms), "num");
  cell(tr, dur(s.last_heard_ms_ago) + " ago", "num");
  cell(tr, expiry(s), "num");
  cell(tr, paths(s.ephemeral_count, s.ephemerals));
  const w = s.data_watches.concat(s.child_watches.map(p => p + " (children)"));
  cell(tr, paths(s.watch_count, w));
  return tr;
}

function endedRow(e) {
  const tr = document.createElement("tr");
  tr.dataset.session = e.session_id;
  cell(tr, e.session_id, "id");
  cell(tr, dur(e.ended_ms_ago) + " ago", "num");
  const badge = document.createElement("span");
  badge.className = "badge " + e.reason;
  badge.textContent = e.reason;
  cell(tr, badge);
  cell(tr, e.detail);
  cell(tr, dur(e.lifetime_ms), "num");
  cell(tr, e.client_address || "-");
  cell(tr, String(e.ephemerals_deleted), "num");
  return tr;
}

function render(d) {
  document.getElementById("server").textContent =
      d.server.server_id + " (" + d.server.client_address + ")";
  document.getElementById("role").textContent = d.server.role;
  document.getElementById("live-count").textContent = d.live_count;
  document.getElementById("ended-count").textContent = d.ended.length;
  document.getElementById("ended-window").textContent =
      "(last " + Math.round(d.ended_window_ms / 60000) + " minutes)";
  fill(document.querySelector("#live tbody"), d.live, liveRow, "no live sessions", 8);
  fill(document.querySelector("#ended tbody"), d.ended, endedRow, "none ended recently", 7);
  let note = "updated " + new Date(d.now).toISOString().substring(11, 19) + " UTC";
  if (d.live_listed < d.live_count) note += "; first " + d.live_listed + " sessions listed";
  if (!d.child_watches_listed) note += "; child watches not listed (too many nodes)";
  const status = document.getElementById("status");
  status.textContent = note;
  status.className = "";
}

function showError(message) {
  const status = document.getElementById("status");
  status.textContent = "cannot load sessions: " + message;
  status.className = "bad";
}

async function refresh() {
  try {
    const r = await fetch(FEED, {cache: "no-store"});
    const d = await r.json();
    if (d.error) showError(d.error); else render(d);
  } catch (e) {
    showError(e.message);
  }
}

refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)PAGE";

// A JavaScript string literal safe inside a <script> element.
std::string JsString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '<') {
      out += "\\x3c";
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

std::string SessionsPageHtml(const std::string& feed_url) {
  std::string page = kPage;
  const std::string marker = "__FEED__";
  page.replace(page.find(marker), marker.size(), JsString(feed_url));
  return page;
}

}  // namespace paddock::server::admin
