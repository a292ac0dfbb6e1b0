// Checks the clerk UI's string tables without a browser: English, French and Arabic have the
// same keys, none empty; every key the screens name literally (t('key'), data-i18n) exists;
// every prefix built at run time (t('flag.' + f)) has its entries; index.html has no text.
// Usage: node tests/web/i18n_check.js [STATIC_DIR]; exit 1 with what is missing.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const dir = process.argv[2] || path.join(__dirname, '../../firmware/web/static');
const ctx = { window: {} };
vm.runInNewContext(fs.readFileSync(path.join(dir, 'i18n.js'), 'utf8'), ctx);
const S = ctx.window.FolioStrings;
const problems = [];
const langs = ['en', 'fr', 'ar'];
for (const l of langs) if (!S[l]) problems.push(`no '${l}' table`);
const all = new Set(langs.flatMap((l) => Object.keys(S[l] || {})));
for (const k of all)
	for (const l of langs) {
		const v = (S[l] || {})[k];
		if (typeof v !== 'string' || !v.trim()) problems.push(`'${k}' missing or empty in ${l}`);
		else if ((v.match(/\{\w+\}/g) || []).sort().join() !== (S.en[k] || '').match(/\{\w+\}/g)?.sort().join() &&
			(v.match(/\{\w+\}/g) || []).length + ((S.en[k] || '').match(/\{\w+\}/g) || []).length > 0)
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
for (const [p, names] of Object.entries(need))
	for (const n of names) if (!(p + n in S.en)) problems.push(`'${p + n}' is missing`);
if (problems.length) {
	for (const p of problems) console.log('FAIL: ' + p);
	process.exit(1);
}
console.log(`strings: ${Object.keys(S.en).length} keys in en, fr and ar; ${used.size} used literally, ${prefixes.size} prefixes`);
