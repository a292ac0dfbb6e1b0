// A TCP proxy on 127.0.0.1 for fault tests: node faultproxy.js PORT UPSTREAM_PORT CONTROL_FILE
// For each new connection CONTROL_FILE is read: "pass" forwards everything; "stall N" forwards
// N bytes from the client, then holds the connection open without moving a byte; "cut N"
// forwards N bytes from the client, then closes both sides and writes "down" to the control
// file: like a server that died, every later connection is closed at once until the file is
// changed again. Only 127.0.0.1 is ever used.
'use strict';
const net = require('net');
const fs = require('fs');

const [port, upstream, control] = process.argv.slice(2);

function mode() {
  try {
    const [what, n] = fs.readFileSync(control, 'utf8').trim().split(/\s+/);
    return { what, limit: Number(n || 0) };
  } catch (e) {
    return { what: 'pass', limit: 0 };
  }
}

const server = net.createServer((client) => {
  const m = mode();
  if (m.what === 'down') {
    client.destroy();
    return;
  }
  const up = net.connect({ host: '127.0.0.1', port: Number(upstream) });
  let sent = 0;
  let held = false;
  const close = () => { client.destroy(); up.destroy(); };
  client.on('error', close);
  up.on('error', close);
  up.on('close', () => { if (!held) client.destroy(); });
  client.on('close', () => up.destroy());
  up.on('data', (d) => { if (!held) client.write(d); });
  client.on('data', (d) => {
    if (held) return;
    if (m.what === 'pass' || sent + d.length <= m.limit) {
      sent += d.length;
      up.write(d);
      return;
    }
    up.write(d.subarray(0, m.limit - sent));
    sent = m.limit;
    if (m.what === 'cut') {
      console.log(`cut after ${sent} bytes`);
      fs.writeFileSync(control, 'down\n');
      close();
    } else {
      console.log(`stalled after ${sent} bytes`);
      held = true;
    }
  });
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
