// Checks the clerk UI's string tables without a browser: English, French and Arabic have the
// same keys, none empty; every key the screens name literally (t('key'), data-i18n) exists;
// every prefix built at run time (t('flag.' + f)) has its entries; index.html has no text.
// And what the server sends: every message code of firmware/core/message.h (MSG_TABLE) has
// "msg.<code>" in the three tables, using only the {names} the server fills in (its English
// template's, and field), English word for word the server's template, with no entry for a
// code the server no longer has; every page flag of firmware/store/flags.c has "flag.<name>"
// (with '_', as the API names them).
// Usage: node tests/web/i18n_check.js [STATIC_DIR [SOURCE_DIR]]; exit 1 with what is missing.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const dir = process.argv[2] || path.join(__dirname, '../../firmware/web/static');
const src = process.argv[3] || path.join(__dirname, '../..');
const ctx = { window: {} };
vm.runInNewContext(fs.readFileSync(path.join(dir, 'i18n.js'), 'utf8'), ctx);
const S = ctx.window.FolioStrings;
const problems = [];
const langs = ['en', 'fr', 'ar'];
for (const l of langs) if (!S[l]) problems.push(`no '${l}' table`);
const all = new Set(langs.flatMap((l) => Object.keys(S[l] || {})));
const names = (v) => (v.match(/\{\w+\}/g) || []).sort();
for (const k of all)
	for (const l of langs) {
		if (k.startsWith('msg.')) continue; /* below, against the server's own table */
		const v = (S[l] || {})[k];
		if (typeof v !== 'string' || !v.trim()) problems.push(`'${k}' missing or empty in ${l}`);
		else if (names(v).join() !== names(S.en[k] || '').join())
			problems.push(`'${k}' in ${l} does not use the same {values} as in English`);
	}

const files = fs.readdirSync(dir).filter((f) => /\.(js|html)$/.test(f) && f !== 'i18n.js');
const used = new Set();
const prefixes = new Set();
for (const f of files) {
	const src = fs.readFileSync(path.join(dir, f), 'utf8');
	for (const m of src.matchAll(/\bt\('([\w.]+)'\s*([,)])/g)) used.add(m[1]);
	for (const m of src.matchAll(/\bt\('([\w.]+\.)'\s*\+/g)) prefixes.add(m[1]);
	for (const m of src.matchAll(/data-i18n(?:-label)?="([\w.]+)"/g)) used.add(m[1]);
	for (const m of src.matchAll(/\[\s*(?:'[\w.]+'\s*,\s*)*'([\w.]+)'/g)) if (/^[a-z]+\.[\w]+$/.test(m[1]) && S.en[m[1]]) used.add(m[1]);
	if (f.endsWith('.html')) {
		const body = src.replace(/<!--[\s\S]*?-->/g, '').replace(/<title>[^<]*<\/title>/, '')
			.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '');
		for (const m of body.matchAll(/>([^<]+)</g))
			if (m[1].trim()) problems.push(`${f}: text outside the tables: '${m[1].trim()}'`);
	}
}
for (const k of used) if (!(k in S.en)) problems.push(`'${k}' is used but not in the tables`);
for (const p of prefixes)
	if (!Object.keys(S.en).some((k) => k.startsWith(p))) problems.push(`no strings for the prefix '${p}'`);
const need = {
	'flag.': ['blank', 'skew', 'dark', 'light', 'length', 'small', 'separator', 'barcode_unreadable', 'low_confidence'],
	'state.': ['idle', 'capturing', 'paused', 'fault', 'missing', 'done'],
	'todo.': ['idle', 'capturing', 'paused', 'fault', 'missing', 'done'],
	'bstate.': ['open', 'closed', 'approved', 'rejected', 'packaged', 'delivered', 'confirmed', 'purged'],
	'ip.': ['patent', 'trademark', 'design'],
	'role.': ['clerk', 'supervisor'],
	'field.': ['office', 'ip_type', 'application', 'document_code', 'received', 'language'],
	'capture.did.': ['pause', 'resume', 'stop'],
	'queue.': ['ocr', 'package', 'upload'],
};
for (const [p, list] of Object.entries(need))
	for (const n of list) if (!(p + n in S.en)) problems.push(`'${p + n}' is missing`);

// The server's messages: X(ENUM, "code", "template" ...) in MSG_TABLE, strings joined.
const header = fs.readFileSync(path.join(src, 'firmware/core/message.h'), 'utf8');
const table = header.slice(header.indexOf('#define MSG_TABLE'), header.indexOf('enum msg_code'))
	.replace(/"\s*\\?\n\s*"/g, '');
const codes = new Map();
for (const m of table.matchAll(/X\(\w+,\s*(?:\\\n\s*)?"([a-z-]+)",\s*(?:\\\n\s*)?"((?:[^"\\]|\\.)*)"\)/g))
	codes.set(m[1], m[2]);
const entries = (table.match(/\bX\(\w+,/g) || []).length;
if (codes.size < 10 || codes.size !== entries)
	problems.push(`${codes.size} of ${entries} message codes read from firmware/core/message.h`);
for (const [code, tmpl] of codes) {
	const sent = new Set(names(tmpl).concat(['{field}']));
	for (const l of langs) {
		const v = (S[l] || {})['msg.' + code];
		if (typeof v !== 'string' || !v.trim()) {
			problems.push(`server message '${code}' has no translation in ${l}`);
			continue;
		}
		for (const n of names(v))
			if (!sent.has(n)) problems.push(`'msg.${code}' in ${l} uses ${n}, which the server does not send`);
	}
	/* English is the server's own text: a clerk reads what `folio` prints. */
	if (S.en['msg.' + code] !== undefined && S.en['msg.' + code] !== tmpl.replace(/\\(.)/g, '$1'))
		problems.push(`'msg.${code}' in en is not the server's text '${tmpl}'`);
}
for (const k of all)
	if (k.startsWith('msg.') && !codes.has(k.slice(4))) problems.push(`'${k}': the server has no such code`);

// Page flags as the store names them, '-' as '_' in the API.
const flagsSrc = fs.readFileSync(path.join(src, 'firmware/store/flags.c'), 'utf8');
const flagList = flagsSrc.slice(flagsSrc.indexOf('names[] = {'), flagsSrc.indexOf('};', flagsSrc.indexOf('names[] = {')));
const flags = [...flagList.matchAll(/"([a-z-]+)"/g)].map((m) => m[1].replace(/-/g, '_'));
if (flags.length < 10) problems.push(`only ${flags.length} page flags read from firmware/store/flags.c`);
for (const f of flags)
	for (const l of langs) if (!(S[l] || {})['flag.' + f]) problems.push(`page flag '${f}' has no translation in ${l}`);
if (problems.length) {
	for (const p of problems) console.log('FAIL: ' + p);
	process.exit(1);
}
console.log(`strings: ${Object.keys(S.en).length} keys in en, fr and ar; ${used.size} used literally, ${prefixes.size} prefixes; ` +
	`${codes.size} server message codes and ${flags.length} page flags translated`);
