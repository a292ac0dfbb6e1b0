/* Live capture: the scanner's state in words with what to do, page count and pace,
 * thumbnails as pages arrive (server-sent events), Pause, Resume, Stop. */
'use strict';
(function () {
	const { el, t } = Folio;

	/* Image address of page P of batch N; KEY changes when the picture does (rescan, rotate),
	 * so the browser's copy is not reused then. */
	Folio.imageUrl = function (n, p, size, key) {
		return '/api/batches/' + n + '/pages/' + p + '/image?size=' + size + (key ? '&v=' + encodeURIComponent(key) : '');
	};
	Folio.pageKey = (p) => [p.size, p.width, p.height].join('.');

	/* A thumbnail of a page: picture, number, flags. */
	Folio.thumb = function (n, page, opts) {
		opts = opts || {};
		const flags = page.flags || [];
		const label = t('page.label', { n: Folio.num(page.position || page.number) });
		const img = el('img', { src: Folio.imageUrl(n, page.number, 'thumb', page.key || Folio.pageKey(page)),
			alt: t('page.alt', { n: Folio.num(page.number) }), loading: 'lazy', draggable: 'false' });
		const cls = ['thumb'];
		/* auto_* (automatic colour detection's choice) is information, not a warning. */
		if (flags.some((f) => !f.startsWith('auto_'))) cls.push('flagged');
		if (flags.includes('separator')) cls.push('separator');
		if (opts.current) cls.push('current');
		return el(opts.tag || 'a', {
			class: cls.join(' '),
			href: opts.tag ? undefined : '#/batch/' + n + '/page/' + page.number,
			'data-page': page.number,
			'aria-current': opts.current ? 'page' : undefined,
		}, img, el('span', { class: 'num' }, label),
		flags.length ? el('span', { class: 'flags' }, flags.map((f) => el('span', { class: 'flag', 'data-flag': f }, t('flag.' + f)))) : null);
	};

	Folio.screens.capture = {
		async render(main, n) {
			const word = el('div', { class: 'word', id: 'state-word' });
			const todo = el('div', { class: 'todo', id: 'state-todo' });
			const server = el('div', { class: 'muted', id: 'state-detail' });
			const panel = el('section', { class: 'panel state', id: 'state', role: 'status', 'aria-live': 'polite' }, word, todo, server);
			const pages = el('span', { class: 'big', id: 'page-count' }, '0');
			const ppm = el('span', { class: 'big', id: 'ppm' }, '0');
			const pause = Folio.button(t('capture.pause'), () => act('pause'), { key: 'p', action: 'pause' });
			const resume = Folio.button(t('capture.resume'), () => act('resume'), { key: 'r', action: 'resume', class: 'primary' });
			const stop = Folio.button(t('capture.stop'), () => act('stop'), { action: 'stop', class: 'danger' });
			const docs = el('a', { class: 'button', href: '#/batch/' + n, 'aria-keyshortcuts': 'd' }, t('capture.documents'), el('kbd', {}, 'D'));
			const grid = el('div', { class: 'thumbs', id: 'thumbs', 'aria-label': t('capture.thumbs') });
			/* Resume feeds from the batch's own scanner; another one is the clerk's choice,
			 * which the server records in the event log. */
			const scanner = el('select', { id: 'resume-device', name: 'device', 'aria-describedby': 'resume-device-note' });
			const scannerNote = el('p', { class: 'muted', id: 'resume-device-note' });
			scanner.addEventListener('change', () => {
				scannerNote.textContent = batch && scanner.value !== batch.device ? t('capture.otherScanner') : '';
			});
			main.append(
				el('h1', {}, t('capture.title', { n: Folio.num(n) })),
				panel,
				el('div', { class: 'panel row' },
					el('div', { class: 'counters grow' },
						el('div', {}, el('div', { class: 'muted' }, t('capture.pages')), pages),
						el('div', {}, el('div', { class: 'muted' }, t('capture.ppm')), ppm)),
					pause, resume, stop, docs),
				el('div', { class: 'panel' },
					el('div', { class: 'field' }, el('label', { for: 'resume-device' }, t('capture.scanner')), scanner),
					scannerNote),
				el('section', { class: 'panel' }, el('h2', {}, t('capture.thumbs')), grid));
			Folio.keys({
				p: { fn: () => act('pause'), label: t('capture.pause') },
				r: { fn: () => act('resume'), label: t('capture.resume') },
				d: { fn: () => Folio.go('#/batch/' + n), label: t('capture.documents') },
			});
			main.append(el('div', { class: 'panel' }, Folio.shortcutList()));

			let batch = null;
			let done = false;
			const shown = new Set();
			let shownSeq = null;

			function addThumb(page) {
				if (shown.has(page.number)) return;
				shown.add(page.number);
				grid.append(Folio.thumb(n, page));
			}

			function show() {
				const s = Folio.status;
				const mine = !!(s && s.capture && s.capture.batch === n);
				const sc = (s && s.scanner) || {};
				const busy = ['capturing', 'paused', 'fault'].includes(sc.state) && (mine || sc.batch === n);
				let state;
				let w;
				if (busy || (sc.state === 'missing' && (!batch || batch.state === 'open'))) {
					w = Folio.scannerWords(s);
					state = w.state;
				} else if (batch && batch.state !== 'open') {
					state = 'done';
					w = { word: t('state.done'), todo: t('todo.done'), server: '' };
				} else {
					/* an open batch nobody is scanning into: stopped by a fault or a pause */
					w = Folio.scannerWords(s);
					state = w.state === 'fault' || w.state === 'missing' ? w.state : 'paused';
					if (state === 'paused') w = { word: t('state.paused'), todo: t('todo.paused'), server: '' };
				}
				panel.className = 'panel state state-' + state;
				panel.setAttribute('role', state === 'fault' || state === 'missing' ? 'alert' : 'status');
				panel.dataset.state = state;
				word.textContent = w.word;
				todo.textContent = w.todo;
				server.textContent = w.server && w.server !== w.todo ? w.server : '';
				if (busy && mine) ppm.textContent = Folio.num(s.capture.pages_per_minute || 0);
				pages.textContent = Folio.num(shown.size); /* the batch's pages, as shown below */
				const running = state === 'capturing';
				pause.disabled = !running;
				resume.disabled = running || state === 'done';
				stop.disabled = state === 'done';
			}

			async function load() {
				try {
					batch = await Folio.api('GET', '/api/batches/' + n);
				} catch (e) {
					Folio.fail(e);
					return;
				}
				if (!scanner.options.length && batch.device) fillScanners();
				const list = batch.pages_list || [];
				const seq = list.map((p) => p.number + ':' + Folio.pageKey(p) + ':' + (p.flags || []).join()).join(' ');
				if (seq !== shownSeq) {
					shownSeq = seq;
					grid.replaceChildren();
					shown.clear();
					for (const p of list) addThumb(p);
				}
				show();
			}

			let timer = null;
			function loadSoon() {
				if (!timer) timer = setTimeout(() => { timer = null; load(); }, 300);
			}

			/* The batch's scanner first and chosen, then the others SANE lists. */
			async function fillScanners() {
				scanner.append(el('option', { value: batch.device, selected: true }, t('capture.batchScanner', { name: batch.device })));
				const devs = await Folio.api('GET', '/api/devices').catch(() => null);
				for (const d of (devs && devs.devices) || [])
					if (d.name !== batch.device) scanner.append(el('option', { value: d.name }, d.name));
			}

			async function act(what) {
				try {
					const body = what === 'resume' ? { batch: n } : undefined;
					if (body && batch && scanner.value && scanner.value !== batch.device) body.device = scanner.value;
					await Folio.api('POST', '/api/capture/' + what, body);
					Folio.show(t('capture.did.' + what), 'ok');
					await Folio.loadStatus();
					show();
				} catch (e) {
					Folio.fail(e);
				}
			}

			Folio.on('status', show);
			Folio.on('page', (p) => {
				if (p.batch !== n) return;
				if (p.pages_per_minute !== undefined) ppm.textContent = Folio.num(p.pages_per_minute);
				addThumb({ number: p.number, position: shown.size + 1, flags: [], key: p.pages + '.' + Date.now() });
				pages.textContent = Folio.num(shown.size);
			});
			Folio.on('fault', (f) => {
				if (f.batch !== n) return;
				Folio.loadStatus().then(show, () => show());
			});
			Folio.on('paused', (d) => d.batch === n && Folio.loadStatus().then(show, () => show()));
			Folio.on('done', async (d) => {
				if (d.batch !== n || done) return;
				done = true;
				await load(); /* the batch's pages, not only this run's */
				Folio.show(t('capture.finished', { n: Folio.num(n), pages: Folio.num(shown.size) }), 'ok');
			});
			Folio.on('batch', (b) => {
				if (b.batch !== n) return;
				/* pages replaced or moved: show them as they are now */
				loadSoon();
			});
			await Folio.loadStatus().catch(() => {});
			await load();
		},
	};
})();
