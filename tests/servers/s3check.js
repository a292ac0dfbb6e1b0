// An HTTPS front for s3rver that checks every request's AWS Signature Version 4 on its own:
// the signature is computed again with AWS's signer (@smithy/signature-v4) from the decoded
// path and query (so our canonicalisation is checked too) and the headers the request says it
// signed, and x-amz-content-sha256 is compared with the body's real SHA-256. One line per
// request goes to --log: "OK METHOD PATH" or "BAD METHOD PATH: reason"; a bad request is
// answered 403 SignatureDoesNotMatch. A number N in the --faults file answers the next N
// requests 503 (fault injection). Listens on 127.0.0.1 only and forwards to 127.0.0.1 only.
'use strict';
const https = require('https');
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');
const { SignatureV4 } = require('@smithy/signature-v4');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];

class Sha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', Buffer.from(secret)) : crypto.createHash('sha256');
  }
  update(data) { this.h.update(Buffer.from(data)); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

const signer = new SignatureV4({
  credentials: { accessKeyId: args['access-key'], secretAccessKey: args['secret-key'] },
  region: args.region,
  service: 's3',
  sha256: Sha256,
  uriEscapePath: true,
  applyChecksum: false,
});

function log(line) { fs.appendFileSync(args.log, line + '\n'); }

function takeFault() {
  try {
    const n = Number(fs.readFileSync(args.faults, 'utf8').trim());
    if (n > 0) { fs.writeFileSync(args.faults, String(n - 1)); return true; }
  } catch (e) { /* no faults */ }
  return false;
}

function amzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

async function check(req, body) {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'no SigV4 Authorization header';
  const [, key, , region, signedList, signature] = m;
  if (key !== args['access-key'] || region !== args.region) return 'wrong credential scope';
  const signed = signedList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date') || !signed.includes('x-amz-content-sha256'))
    return `host, x-amz-date and x-amz-content-sha256 must be signed (got ${signedList})`;
  const payload = req.headers['x-amz-content-sha256'];
  const real = crypto.createHash('sha256').update(body).digest('hex');
  if (payload !== real) return `x-amz-content-sha256 ${payload} is not the body's ${real}`;
  const date = amzDate(req.headers['x-amz-date']);
  if (!date) return 'bad x-amz-date';
  const url = new URL(req.url, 'https://127.0.0.1');
  const query = {};
  for (const [k, v] of url.searchParams) {
    if (k in query) query[k] = [].concat(query[k], v); else query[k] = v;
  }
  const headers = {};
  for (const h of signed) {
    if (req.headers[h] === undefined) return `signed header ${h} is missing`;
    headers[h] = String(req.headers[h]);
  }
  const out = await signer.sign({
    method: req.method,
    protocol: 'https:',
    hostname: '127.0.0.1',
    path: decodeURIComponent(url.pathname),
    query,
    headers,
  }, { signingDate: date, signableHeaders: new Set(signed) });
  const want = /Signature=([0-9a-f]{64})/.exec(out.headers.authorization)[1];
  return want === signature ? null : `signature ${signature} is not AWS's ${want}`;
}

const server = https.createServer({
  cert: fs.readFileSync(args.cert),
  key: fs.readFileSync(args.key),
}, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const what = `${req.method} ${req.url}`;
    if (takeFault()) {
      log(`FAULT ${what}`);
      res.writeHead(503, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code></Error>');
      return;
    }
    let problem;
    try { problem = await check(req, body); } catch (e) { problem = `checker failed: ${e}`; }
    if (problem) {
      log(`BAD ${what}: ${problem}`);
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code></Error>');
      return;
    }
    log(`OK ${what}`);
    const up = http.request({
      host: '127.0.0.1', port: Number(args.upstream), method: req.method, path: req.url,
      headers: { ...req.headers, 'content-length': String(body.length) },
    }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    up.end(body);
  });
});
server.listen(Number(args.listen), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
