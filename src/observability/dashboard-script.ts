/**
 * The browser side of the dashboard page, as a string the page inlines (docs/observability.md
 * "Dashboard"): reads `/events`, fills the tables, draws the rate charts with uPlot when it is
 * there, and (only when the server rendered the page with controls) posts PAUSE / RESUME /
 * RELOAD with the token from the page URL in the `x-sidewire-token` header.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var token = new URLSearchParams(location.search).get('token') || '';
  var controls = document.body.getAttribute('data-controls') === '1';
  var sum = function (r) { var n = 0; for (var k in r) n += r[k]; return n; };
  var fmt = function (n) { return n >= 1e6 ? (n / 1e6).toFixed(1) + 'M' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : Math.round(n * 10) / 10 + ''; };
  var ms = function (s) { return s === null ? '&gt; max' : (s * 1000 >= 1 ? (s * 1000).toFixed(0) + ' ms' : (s * 1e6).toFixed(0) + ' µs'); };
  var bytes = function (n) { return n >= 1e6 ? (n / 1e6).toFixed(1) + ' MB' : n >= 1e3 ? (n / 1e3).toFixed(1) + ' kB' : n + ' B'; };
  var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); };
  var dur = function (secs) { secs = Math.max(0, Math.floor(secs)); var h = Math.floor(secs / 3600), m = Math.floor(secs / 60) % 60, s = secs % 60; return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + s + 's'; };
  var MAX_POINTS = 300;
  var series = [[], [], []];
  var chart;
  var prev;
  var tail = [];
  function setupChart() {
    if (typeof uPlot !== 'function') return;
    chart = new uPlot({ width: Math.min(900, window.innerWidth - 40), height: 180, series: [{}, { label: 'messages/s', stroke: '#2a6fdb', width: 2 }, { label: 'requests/s', stroke: '#d9822b', width: 2 }], axes: [{}, {}] }, series, $('chart'));
  }
  function control(action) {
    $('control-result').textContent = action + '…';
    fetch('/control/' + action, { method: 'POST', headers: { 'x-sidewire-token': token } }).then(function (r) {
      return r.text().then(function (t) { $('control-result').textContent = action + ': ' + r.status + ' ' + t.trim(); });
    }).catch(function (e) { $('control-result').textContent = action + ' failed: ' + e.message; });
  }
  if (controls && token) {
    $('controls').hidden = false;
    ['pause', 'resume', 'reload'].forEach(function (a) { $('btn-' + a).addEventListener('click', function () { control(a); }); });
  }
  function render(s) {
    $('state').textContent = s.state;
    $('state').className = 'state state-' + s.state;
    $('uptime').textContent = dur(s.uptimeSecs);
    $('version').textContent = s.version;
    $('connections').textContent = s.connections;
    var m = s.metrics;
    if (m) {
      var msgs = sum(m.messagesIn) + sum(m.messagesOut);
      if (prev && prev.metrics && s.time > prev.time) {
        var dt = (s.time - prev.time) / 1000;
        var mr = Math.max(0, (msgs - (sum(prev.metrics.messagesIn) + sum(prev.metrics.messagesOut))) / dt);
        var rr = Math.max(0, (m.requests - prev.metrics.requests) / dt);
        $('msg-rate').textContent = fmt(mr);
        $('msg-rate').setAttribute('data-rate', String(mr));
        $('msg-rate').setAttribute('data-time', String(s.time));
        $('req-rate').textContent = fmt(rr);
        series[0].push(s.time / 1000); series[1].push(mr); series[2].push(rr);
        if (series[0].length > MAX_POINTS) series.forEach(function (a) { a.shift(); });
        if (chart) chart.setData(series);
      }
      $('totals').textContent = 'in ' + fmt(sum(m.messagesIn)) + ' / out ' + fmt(sum(m.messagesOut)) + ' messages, ' + fmt(m.requests) + ' requests, ' + m.inFlight + ' in flight';
      $('errors').textContent = fmt(m.errors);
      $('drops').textContent = fmt(m.eventsDropped);
      $('refused').textContent = 'limit ' + m.refused.limit + ', auth ' + m.refused.auth + ', invalid ' + m.refused.invalid;
    } else {
      $('totals').textContent = 'metrics are off on this server';
    }
    prev = s;
    $('clients').innerHTML = s.clients.map(function (c) {
      var h = c.client || {};
      return '<tr data-client="' + esc(c.clientId) + '"><td>' + esc(c.clientId) + '</td><td>' + esc(c.mode) + '</td><td>' + esc(h.name || '') + '</td><td>' + esc(h.pid === undefined ? '' : h.pid) + '</td><td>' + esc(h.ppid === undefined ? '' : h.ppid) +
        '</td><td>' + dur((s.time - c.connectedAt) / 1000) + '</td><td>' + (c.messagesIn === undefined ? '' : fmt(c.messagesIn) + ' / ' + fmt(c.messagesOut)) + '</td><td>' + (c.bytesIn === undefined ? '' : bytes(c.bytesIn) + ' / ' + bytes(c.bytesOut)) + '</td><td>' + c.inFlight + '</td><td>' + bytes(c.bufferedBytes) + '</td><td>' + c.droppedEvents + '</td><td>' + esc(c.subscriptions.join(', ')) + '</td></tr>';
    }).join('') || '<tr><td colspan="12" class="muted">no clients connected</td></tr>';
    $('latencies').innerHTML = s.latencies.map(function (l) {
      return '<tr><td>' + esc(l.method) + '</td><td>' + l.count + '</td><td>' + ms(l.mean) + '</td><td>' + ms(l.p50) + '</td><td>' + ms(l.p90) + '</td><td>' + ms(l.p99) + '</td></tr>';
    }).join('') || '<tr><td colspan="6" class="muted">no requests yet</td></tr>';
    tail = tail.concat(s.tail).slice(-100);
    $('tail').innerHTML = tail.slice().reverse().map(function (e) {
      return '<tr><td>' + new Date(e.time).toLocaleTimeString() + '</td><td>' + esc(e.kind) + '</td><td>' + esc(e.topic) + '</td><td>' + (e.size === undefined ? '' : e.size + ' B') + '</td><td>' + esc(e.clientId || '') + '</td><td>' + esc(e.detail || '') +
        (e.payload === undefined ? '' : ' <code>' + esc(JSON.stringify(e.payload)) + '</code>') + '</td></tr>';
    }).join('') || '<tr><td colspan="6" class="muted">nothing yet</td></tr>';
    $('updated').textContent = new Date(s.time).toLocaleTimeString();
  }
  setupChart();
  var source = new EventSource('/events');
  source.onmessage = function (ev) { render(JSON.parse(ev.data)); $('live').textContent = 'live'; };
  source.onerror = function () { $('live').textContent = 'reconnecting…'; };
})();
`;
