/* Folio clerk station: the core of the single-page app. Strings (i18n.js), the API client
 * (CSRF header, 401 back to sign-in, every error shown), the hash router, the server-sent
 * event stream, keyboard shortcuts, the header, and the sign-in screen. Each other screen is
 * one file that registers itself in Folio.screens. */
'use strict';

const Folio = (window.Folio = {
	screens: {},
	strings: window.FolioStrings, /* i18n.js */
	session: null, /* {user, role, lang, csrf, idle_seconds} while signed in */
	status: null, /* last GET /api/status or `status` event */
	lang: 'en',
	current: null, /* {name, screen, params} */
	lastRequest: Date.now(),
});

/* ---- strings ---- */

/* t(key, params): the string for KEY in the current language, {name} replaced from PARAMS.
 * A key missing from a table falls back to English, and a key missing there shows as
 * [key] so a test sees it. */
Folio.t = function (key, params) {
	const table = Folio.strings[Folio.lang] || Folio.strings.en;
	let s = table[key];
	if (s === undefined) s = Folio.strings.en[key];
	if (s === undefined) return '[' + key + ']';
	if (params)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined ? m : String(params[k])));
	return s;
};
const t = Folio.t;

/* Numbers with Latin digits in every language: page and application numbers are read
 * aloud and compared with paper that prints them that way. */
Folio.num = function (n, digits) {
	const loc = Folio.lang === 'ar' ? 'ar-u-nu-latn' : Folio.lang;
	return new Intl.NumberFormat(loc, { maximumFractionDigits: digits || 0 }).format(n);
};

Folio.bytes = function (n) {
	if (n >= 1048576) return t('unit.mb', { n: Folio.num(n / 1048576, 1) });
	return t('unit.kb', { n: Folio.num(Math.max(1, Math.round(n / 1024))) });
};

Folio.time = function (iso) {
	if (!iso) return t('common.never');
	const d = new Date(iso);
	if (isNaN(d)) return iso;
	const loc = Folio.lang === 'ar' ? 'ar-u-nu-latn' : Folio.lang;
	return d.toLocaleString(loc, { dateStyle: 'medium', timeStyle: 'short' });
};

/* Fills the static markup: data-i18n sets the text, data-i18n-label the aria-label. */
Folio.translate = function (root) {
	for (const n of root.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
	for (const n of root.querySelectorAll('[data-i18n-label]'))
		n.setAttribute('aria-label', t(n.dataset.i18nLabel));
};

Folio.setLang = function (lang) {
	if (!Folio.strings[lang]) lang = 'en';
	Folio.lang = lang;
	const html = document.documentElement;
	html.lang = lang;
	html.dir = lang === 'ar' ? 'rtl' : 'ltr';
	document.title = t('app.name');
	try {
		localStorage.setItem('folio.lang', lang);
	} catch (e) {
		/* private mode: the language still comes back with the session */
	}
	Folio.translate(document.body);
	Folio.renderHeader();
};

/* ---- DOM helper ----
 * el(tag, attrs, ...children): attrs may hold class, text (already translated), on* handlers,
 * dataset entries as data-*, and any attribute; children are nodes, strings or arrays. */
Folio.el = function (tag, attrs, ...children) {
	const n = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'class') n.className = v;
		else if (k === 'text') n.textContent = v;
		else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
		else if (v === true) n.setAttribute(k, '');
		else n.setAttribute(k, v);
	}
	const add = (c) => {
		if (c === undefined || c === null || c === false) return;
		if (Array.isArray(c)) c.forEach(add);
		else n.append(c instanceof Node ? c : document.createTextNode(String(c)));
	};
	children.forEach(add);
	return n;
};
const el = Folio.el;

/* A button with its label and, when KEY is given, the shortcut shown in it. */
Folio.button = function (label, onclick, opts) {
	opts = opts || {};
	return el('button', {
		type: 'button',
		class: opts.class,
		onclick,
		disabled: opts.disabled,
		'aria-keyshortcuts': opts.key ? Folio.keyName(opts.key) : undefined,
		title: opts.title,
		'data-action': opts.action,
	}, label, opts.key ? el('kbd', {}, Folio.keyLabel(opts.key)) : null);
};

/* ---- messages ---- */

/* show(text, kind): a message the clerk sees until dismissed or replaced (kind: error, ok,
 * info). Errors stay; others fade after 8 s. */
Folio.show = function (text, kind) {
	const box = document.getElementById('messages');
	const close = el('button', { type: 'button', 'aria-label': t('common.dismiss') }, '×');
	const m = el('div', { class: 'message ' + (kind || 'info'), 'data-kind': kind || 'info' },
		el('span', { class: 'text' }, text), close);
	close.addEventListener('click', () => m.remove());
	while (box.children.length >= 3) box.firstChild.remove();
	box.append(m);
	if (kind !== 'error') setTimeout(() => m.remove(), 8000);
	return m;
};
Folio.clearMessages = function () {
	document.getElementById('messages').replaceChildren();
};

/* say(m): a message from the server ({code, params, message}: an error answer or a problem
 * in a list) in the clerk's language, from the table's "msg.<code>"; the server's English
 * text only for a code this page does not know (a newer station). Values named state/to,
 * field, flags and problem are translated too; numbers keep Latin digits. */
Folio.say = function (m) {
	if (!m || typeof m !== 'object') return m ? String(m) : '';
	if (!m.code || !(('msg.' + m.code) in Folio.strings.en)) return m.message || m.error || '';
	const params = m.params || {};
	const word = (prefix, v) => (((prefix + v) in Folio.strings.en) ? t(prefix + v) : String(v));
	const out = {};
	for (const [k, v] of Object.entries(params)) {
		if (typeof v === 'number') out[k] = Folio.num(v);
		else if (k === 'state' || k === 'to') out[k] = word('bstate.', v);
		else if (k === 'field') out[k] = word('field.', v);
		else if (k === 'flags') out[k] = String(v).split(/,\s*/).filter(Boolean).map((f) => word('flag.', f)).join(', ');
		else if (k === 'problem') out[k] = Folio.say({ code: v, params: Object.assign({}, params, { problem: '' }), message: '' });
		else out[k] = String(v);
	}
	return t('msg.' + m.code, out);
};

/* fail(err): what went wrong, in the clerk's language (the server's code), or its words. */
Folio.fail = function (err) {
	if (err && err.handled) return;
	const text = err && err.error ? err.error : t('error.network');
	Folio.show(text, 'error');
};

/* ---- API client ---- */

class ApiError extends Error {
	constructor(status, body) {
		super((body && body.error) || 'HTTP ' + status);
		this.status = status;
		this.error = (body && body.code && Folio.say(body)) || (body && body.error) || t('error.status', { status });
		this.field = body && body.field;
		this.body = body;
	}
}
Folio.ApiError = ApiError;

/* api(method, path, body): the JSON answer (null for 204). Changes carry the CSRF token.
 * A 401 on anything but sign-in ends the session here too and goes back to sign-in; the
 * error then is marked handled. */
Folio.api = async function (method, path, body) {
	const headers = { Accept: 'application/json' };
	const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
	if (method !== 'GET' && Folio.session) headers['X-CSRF-Token'] = Folio.session.csrf;
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	Folio.lastRequest = Date.now();
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, { error: t('error.network') });
	}
	let data = null;
	const type = res.headers.get('Content-Type') || '';
	if (res.status !== 204 && type.includes('json')) {
		try {
			data = await res.json();
		} catch (e) {
			data = null;
		}
	}
	if (res.ok) return data;
	const err = new ApiError(res.status, data);
	if (res.status === 401 && path !== '/api/login') {
		err.handled = true;
		Folio.signedOut(t('signin.expired'));
	}
	throw err;
};

/* ---- session ---- */

Folio.startSession = function (s) {
	Folio.session = s;
	Folio.lastRequest = Date.now();
	Folio.setLang(s.lang || Folio.lang);
	Folio.openEvents();
};

Folio.signedOut = function (why) {
	const had = Folio.session !== null;
	Folio.session = null;
	Folio.closeEvents();
	if (why && had) Folio.show(why, 'info');
	Folio.renderHeader();
	const back = location.hash && !location.hash.startsWith('#/signin') ? location.hash : '';
	Folio.afterSignIn = back || Folio.afterSignIn;
	Folio.go('#/signin');
};

Folio.isSupervisor = () => Folio.session && Folio.session.role === 'supervisor';

/* Idle sign-out: the server ends the session after idle_seconds without a request; the
 * screen finds out at the next minute tick rather than at the clerk's next tap. */
setInterval(() => {
	const s = Folio.session;
	if (!s || !s.idle_seconds) return;
	if (Date.now() - Folio.lastRequest > s.idle_seconds * 1000 + 2000)
		Folio.api('GET', '/api/session').catch(() => {});
}, 15000);

/* ---- server-sent events ---- */

Folio.listeners = [];
/* on(event, fn): FN(data) for each event of that name while the current screen shows. */
Folio.on = function (name, fn) {
	Folio.listeners.push({ name, fn, screen: true });
};
Folio.onAlways = function (name, fn) {
	Folio.listeners.push({ name, fn, screen: false });
};
Folio.emit = function (name, data) {
	for (const l of Folio.listeners.slice()) if (l.name === name) l.fn(data);
};

Folio.openEvents = function () {
	Folio.closeEvents();
	const es = new EventSource('/api/events');
	Folio.events = es;
	for (const name of ['status', 'page', 'notice', 'fault', 'paused', 'done', 'batch'])
		es.addEventListener(name, (ev) => {
			let data = null;
			try {
				data = JSON.parse(ev.data);
			} catch (e) {
				return;
			}
			Folio.emit(name, data);
		});
	es.onerror = () => {
		if (es.readyState !== EventSource.CLOSED) return; /* the browser reconnects */
		/* Refused (401 after idle sign-out) or the daemon restarted: ask the session. */
		setTimeout(() => {
			if (Folio.events !== es || !Folio.session) return;
			Folio.api('GET', '/api/session').then(() => Folio.openEvents(), (e) => {
				if (!e.handled) setTimeout(() => Folio.session && Folio.openEvents(), 3000);
			});
		}, 1000);
	};
};
Folio.closeEvents = function () {
	if (Folio.events) Folio.events.close();
	Folio.events = null;
};

Folio.onAlways('status', (s) => {
	const was = Folio.status && Folio.status.capture && Folio.status.capture.batch;
	Folio.status = s;
	if ((s.capture && s.capture.batch) !== was) Folio.renderHeader();
	else Folio.renderPill();
});
Folio.onAlways('notice', (n) => Folio.show(n.message, 'info'));

Folio.loadStatus = async function () {
	Folio.status = await Folio.api('GET', '/api/status');
	Folio.renderPill();
	return Folio.status;
};

/* The scanner's state in words: the state, and what to do now. */
Folio.scannerWords = function (status) {
	const sc = (status && status.scanner) || { state: 'missing' };
	const cap = status && status.capture;
	const state = sc.state || 'idle';
	let todo = t('todo.' + state);
	if (state === 'fault') {
		const said = (cap && cap.fault) || sc.message || '';
		const code = Folio.faultCode(said) || Folio.faultCode(Folio.lastFault && (Folio.lastFault.code + ' ' + Folio.lastFault.message));
		todo = code ? t('fault.' + code) : said || todo;
	}
	return { state, word: t('state.' + state), todo, server: sc.message || (cap && cap.fault) || '' };
};

/* faultCode(text): which fault the server's words (its `code` or message) name, for the
 * remedy in the clerk's language; null when it is none we know. */
const FAULTS = [
	[/jam/i, 'jam'],
	[/double[ _-]?feed/i, 'double_feed'],
	[/cover[ _-]?open/i, 'cover_open'],
	[/feeder empty|no[ _-]?paper|no[ _-]?docs/i, 'no_paper'],
	[/disconnected|unplugged|device[ _-]?lost|i\/o error/i, 'device_lost'],
];
Folio.faultCode = function (text) {
	if (!text) return null;
	for (const [re, code] of FAULTS) if (re.test(text)) return code;
	return null;
};

Folio.onAlways('fault', (f) => {
	Folio.lastFault = f;
});

Folio.renderPill = function () {
	const pill = document.getElementById('scanner-pill');
	if (!pill) return;
	const w = Folio.scannerWords(Folio.status);
	pill.className = 'pill state-' + w.state;
	pill.textContent = t('pill.scanner', { state: w.word });
};

/* ---- keyboard shortcuts ---- */

/* keys(map): the current screen's shortcuts, KEY -> {fn, label}; KEY is a KeyboardEvent.key
 * ('n', 'ArrowRight', '+'). Ignored while typing in a field. */
Folio.shortcuts = {};
Folio.keys = function (map) {
	Folio.shortcuts = map;
};
Folio.keyLabel = function (key) {
	const names = { ArrowRight: '→', ArrowLeft: '←', ArrowUp: '↑', ArrowDown: '↓', ' ': t('key.space') };
	return names[key] || key.toUpperCase();
};
Folio.keyName = function (key) {
	return key.length === 1 ? key : key;
};
document.addEventListener('keydown', (ev) => {
	if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
	const tag = (ev.target && ev.target.tagName) || '';
	if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (ev.target && ev.target.isContentEditable)) return;
	if (document.querySelector('dialog[open]')) return;
	const k = Folio.shortcuts[ev.key] || Folio.shortcuts[ev.key.toLowerCase()];
	if (!k) return;
	ev.preventDefault();
	k.fn(ev);
});

/* The list of the screen's shortcuts, shown on the screen itself. */
Folio.shortcutList = function () {
	const dl = el('dl', { class: 'shortcuts', 'aria-label': t('key.title') });
	const seen = new Set();
	for (const [key, k] of Object.entries(Folio.shortcuts)) {
		if (!k.label || seen.has(k.label + key)) continue;
		seen.add(k.label + key);
		dl.append(el('dt', {}, el('kbd', {}, Folio.keyLabel(key))), el('dd', {}, k.label));
	}
	return el('div', {}, el('h2', {}, t('key.title')), dl);
};

/* ---- router ---- */

const routes = [
	[/^#\/signin$/, 'signin'],
	[/^#\/start$/, 'start'],
	[/^#\/capture\/(\d+)$/, 'capture'],
	[/^#\/batch\/(\d+)$/, 'documents'],
	[/^#\/batch\/(\d+)\/page\/(\d+)$/, 'viewer'],
	[/^#\/review\/(\d+)$/, 'review'],
	[/^#\/queue$/, 'queue'],
	[/^#\/search$/, 'search'],
];

Folio.go = function (hash) {
	if (location.hash === hash) Folio.route();
	else location.hash = hash;
};

Folio.route = async function () {
	let name = null;
	let params = [];
	for (const [re, n] of routes) {
		const m = re.exec(location.hash);
		if (m) {
			name = n;
			params = m.slice(1).map(Number);
			break;
		}
	}
	if (!name) name = Folio.session ? 'start' : 'signin';
	if (!Folio.session && name !== 'signin') {
		Folio.afterSignIn = location.hash;
		name = 'signin';
	}
	if (Folio.current && Folio.current.screen.leave) Folio.current.screen.leave();
	Folio.listeners = Folio.listeners.filter((l) => !l.screen);
	Folio.shortcuts = {};
	const screen = Folio.screens[name];
	Folio.current = { name, screen, params };
	Folio.renderHeader();
	const main = document.getElementById('main');
	main.replaceChildren();
	main.dataset.screen = name;
	try {
		await screen.render(main, ...params);
	} catch (e) {
		Folio.fail(e);
	}
};
window.addEventListener('hashchange', () => Folio.route());

/* Re-renders the current screen, e.g. after the language changed. */
Folio.refresh = function () {
	if (Folio.current) Folio.route();
};

/* ---- header ---- */

Folio.renderHeader = function () {
	const bar = document.getElementById('bar');
	if (!bar) return;
	bar.hidden = !Folio.session;
	if (!Folio.session) return;
	const here = Folio.current ? Folio.current.name : '';
	const capturing = Folio.status && Folio.status.capture && Folio.status.capture.batch;
	const links = [['#/start', 'nav.start', ['start']]];
	if (capturing) links.push(['#/capture/' + capturing, 'nav.capture', ['capture']]);
	links.push(['#/queue', 'nav.queue', ['queue']], ['#/search', 'nav.search', ['search']]);
	const nav = document.getElementById('nav');
	nav.replaceChildren(...links.map(([href, key, names]) =>
		el('a', { href, 'aria-current': names.includes(here) ? 'page' : undefined }, t(key))));
	document.getElementById('who').textContent = t('header.who', {
		user: Folio.session.user, role: t('role.' + Folio.session.role),
	});
	const sel = document.getElementById('lang-select');
	sel.replaceChildren(...['en', 'fr', 'ar'].map((l) =>
		el('option', { value: l, selected: l === Folio.lang, lang: l }, Folio.strings[l]['lang.self'])));
	Folio.renderPill();
};

document.addEventListener('DOMContentLoaded', () => {
	document.getElementById('lang-select').addEventListener('change', async (ev) => {
		const lang = ev.target.value;
		try {
			const r = await Folio.api('PUT', '/api/session/lang', { lang });
			Folio.session.lang = (r && r.lang) || lang;
			Folio.setLang(Folio.session.lang);
			Folio.refresh();
		} catch (e) {
			Folio.fail(e);
		}
	});
	document.getElementById('signout').addEventListener('click', async () => {
		try {
			await Folio.api('POST', '/api/logout');
		} catch (e) {
			/* signed out either way */
		}
		Folio.afterSignIn = null;
		Folio.session = null;
		Folio.closeEvents();
		Folio.clearMessages();
		Folio.go('#/signin');
	});
});

/* ---- sign-in ---- */

Folio.screens.signin = {
	render(main) {
		document.getElementById('bar').hidden = true;
		const err = el('div', { class: 'error', id: 'signin-error', role: 'alert' });
		const user = el('input', { id: 'user', name: 'user', autocomplete: 'username', required: true,
			autocapitalize: 'none', spellcheck: 'false', maxlength: 64, dir: 'auto' });
		const pass = el('input', { id: 'password', name: 'password', type: 'password', required: true,
			autocomplete: 'current-password', maxlength: 256 });
		const submit = el('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
		const form = el('form', { class: 'panel signin', 'aria-labelledby': 'signin-title' },
			el('h1', { id: 'signin-title' }, t('signin.title', { app: t('app.name') })),
			el('div', { class: 'langs', role: 'group', 'aria-label': t('lang.choose') },
				['en', 'fr', 'ar'].map((l) => el('button', {
					type: 'button', lang: l, 'aria-pressed': String(l === Folio.lang),
					onclick: () => {
						Folio.setLang(l);
						Folio.refresh();
					},
				}, Folio.strings[l]['lang.self']))),
			el('div', { class: 'field' }, el('label', { for: 'user' }, t('signin.user')), user),
			el('div', { class: 'field' }, el('label', { for: 'password' }, t('signin.password')), pass),
			err, submit);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			err.textContent = '';
			submit.disabled = true;
			try {
				const s = await Folio.api('POST', '/api/login', { user: user.value.trim(), password: pass.value });
				pass.value = '';
				Folio.clearMessages();
				Folio.startSession(s);
				await Folio.loadStatus().catch(() => {});
				const to = Folio.afterSignIn;
				Folio.afterSignIn = null;
				Folio.go(to && to !== '#/signin' ? to : '#/start');
			} catch (e) {
				err.textContent = e.status === 401 ? t('signin.wrong') : e.error;
				pass.value = '';
				pass.focus();
			} finally {
				submit.disabled = false;
			}
		});
		main.append(form);
		user.focus();
	},
};

/* ---- start-up ---- */

document.addEventListener('DOMContentLoaded', async () => {
	let lang = 'en';
	try {
		lang = localStorage.getItem('folio.lang') || (navigator.language || 'en').slice(0, 2);
	} catch (e) {
		/* no storage */
	}
	Folio.setLang(lang);
	try {
		const s = await fetch('/api/session', { credentials: 'same-origin', cache: 'no-store' });
		if (s.ok) {
			Folio.startSession(await s.json());
			await Folio.loadStatus().catch(() => {});
		}
	} catch (e) {
		/* not signed in */
	}
	Folio.route();
});
