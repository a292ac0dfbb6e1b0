/* Queue and upload: what waits for OCR, packaging and upload, the batches on their way, the
 * last deliveries and the next upload window. Dossier search: by words of the text, application number,
 * document code and received date across what the store still holds. */
'use strict';
(function () {
	const { el, t } = Folio;

	function table(id, heads, rows, empty) {
		if (!rows.length) return el('p', { class: 'muted', id }, t(empty));
		return el('table', { id },
			el('thead', {}, el('tr', {}, heads.map((k) => el('th', { scope: 'col' }, t(k))))),
			el('tbody', {}, rows));
	}

	Folio.screens.queue = {
		async render(main) {
			main.append(el('h1', {}, t('queue.title')));
			const body = el('div', { id: 'queue' });
			main.append(body);
			async function draw() {
				let q;
				let waiting = [];
				try {
					q = await Folio.api('GET', '/api/queue');
					const lists = await Promise.all(['approved', 'packaged'].map((s) =>
						Folio.api('GET', '/api/batches?state=' + s).then((r) => (r.batches || []).filter((b) => b.state === s), () => [])));
					waiting = lists.flat();
				} catch (e) {
					Folio.fail(e);
					return;
				}
				const stage = (key) => {
					const s = q[key] || { items: 0 };
					return el('div', { class: 'panel', 'data-queue': key },
						el('div', { class: 'muted' }, t('queue.' + key)),
						el('div', { class: 'big' }, Folio.num(s.items || 0)),
						s.oldest ? el('div', { class: 'muted' }, t('queue.oldest', { time: Folio.time(s.oldest) })) : null);
				};
				const last = (q.deliveries || [])[0];
				body.replaceChildren(
					el('div', { class: 'cols' }, stage('ocr'), stage('package'), stage('upload')),
					el('section', { class: 'panel', id: 'window' },
						el('h2', {}, t('queue.window')),
						el('p', { class: 'big' }, q.window || t('queue.always')),
						el('p', {}, q.window_open ? t('queue.open') : t('queue.next', { time: Folio.time(q.next_window) })),
						el('p', {}, last ? t('queue.last', { n: Folio.num(last.batch), time: Folio.time(last.time) }) : t('queue.noLast'))),
					el('section', { class: 'panel' },
						el('h2', {}, t('queue.waiting')),
						table('waiting', ['batch.number', 'batch.state', 'batch.pages', 'batch.documents', 'batch.updated'],
							waiting.map((b) => el('tr', { 'data-batch': b.id },
								el('td', {}, Folio.num(b.id)), el('td', {}, t('bstate.' + b.state)),
								el('td', {}, Folio.num(b.pages)), el('td', {}, Folio.num(b.documents)),
								el('td', {}, Folio.time(b.updated || b.created)))), 'queue.noneWaiting')),
					el('section', { class: 'panel' },
						el('h2', {}, t('queue.deliveries')),
						table('deliveries', ['batch.number', 'batch.state', 'queue.time'],
							(q.deliveries || []).map((d) => el('tr', { 'data-batch': d.batch },
								el('td', {}, Folio.num(d.batch)), el('td', {}, t('bstate.' + d.state)), el('td', {}, Folio.time(d.time)))),
							'queue.noDeliveries')));
			}
			await draw();
			let timer = null;
			const soon = () => {
				clearTimeout(timer);
				timer = setTimeout(draw, 1000);
			};
			Folio.on('status', soon);
			Folio.on('batch', soon);
		},
	};

	Folio.screens.search = {
		async render(main) {
			const q = new URLSearchParams(sessionStorage.getItem('folio.search') || '');
			const inputs = {
				text: el('input', { id: 's-text', name: 'text', maxlength: 255, type: 'search', value: q.get('text') || '' }),
				application: el('input', { id: 's-application', name: 'application', maxlength: 64, dir: 'ltr', value: q.get('application') || '' }),
				document_code: el('input', { id: 's-document_code', name: 'document_code', maxlength: 32, dir: 'ltr', value: q.get('document_code') || '' }),
				from: el('input', { id: 's-from', name: 'from', type: 'date', value: q.get('from') || '' }),
				to: el('input', { id: 's-to', name: 'to', type: 'date', value: q.get('to') || '' }),
			};
			const labels = { text: 'field.text', application: 'field.application', document_code: 'field.document_code', from: 'search.from', to: 'search.to' };
			const results = el('div', { id: 'results', 'aria-live': 'polite' });
			const form = el('form', { class: 'panel', role: 'search' },
				el('div', { class: 'cols' }, Object.entries(inputs).map(([k, c]) =>
					el('div', { class: 'field' }, el('label', { for: c.id }, t(labels[k])), c))),
				el('button', { type: 'submit', class: 'primary' }, t('search.go')));
			main.append(el('h1', {}, t('search.title')), form, el('section', { class: 'panel' }, results));
			form.addEventListener('submit', (ev) => {
				ev.preventDefault();
				run();
			});
			async function run() {
				const p = new URLSearchParams();
				for (const [k, c] of Object.entries(inputs)) {
					c.removeAttribute('aria-invalid');
					if (c.value.trim()) p.set(k, c.value.trim());
				}
				sessionStorage.setItem('folio.search', p.toString());
				try {
					const r = await Folio.api('GET', '/api/search?' + p.toString());
					const docs = (r.results || []).filter((d) => !d.page);
					const pages = (r.results || []).filter((d) => d.page);
					const rows = docs.map((d) => el('tr', {},
						el('td', { dir: 'ltr' }, d.application || ''), el('td', {}, d.ip_type ? t('ip.' + d.ip_type) : ''),
						el('td', { dir: 'ltr' }, d.office || ''), el('td', { dir: 'ltr' }, d.document_code || ''),
						el('td', {}, d.received || ''), el('td', {}, Folio.num(d.pages || 0)),
						el('td', {}, t('bstate.' + d.state)),
						el('td', {}, el('a', { class: 'button', href: '#/batch/' + d.batch },
							t('search.open', { n: Folio.num(d.batch), d: Folio.num(d.document) })))));
					const prow = pages.map((d) => el('tr', {},
						el('td', {}, Folio.num(d.page)), el('td', { dir: 'auto', class: 'snippet' }, d.snippet || ''),
						el('td', { dir: 'ltr' }, d.application || ''), el('td', { dir: 'ltr' }, d.document_code || ''),
						el('td', {}, t('bstate.' + d.state)),
						el('td', {}, el('a', { class: 'button', href: '#/batch/' + d.batch },
							t('search.openpage', { n: Folio.num(d.batch), p: Folio.num(d.page) })))));
					results.replaceChildren(...(inputs.text.value.trim() ? [
						el('p', {}, t('search.pages', { n: Folio.num(prow.length) })),
						table('search-pages', ['search.page', 'search.snippet', 'field.application', 'field.document_code',
							'batch.state', 'common.actions'], prow, 'search.none')] : [
						el('p', {}, t('search.count', { n: Folio.num(rows.length) })),
						table('search-results', ['field.application', 'field.ip_type', 'field.office', 'field.document_code',
							'field.received', 'batch.pages', 'batch.state', 'common.actions'], rows, 'search.none')]));
				} catch (e) {
					if (e.field && inputs[e.field]) {
						inputs[e.field].setAttribute('aria-invalid', 'true');
						inputs[e.field].focus();
					}
					Folio.fail(e);
				}
			}
			if (q.toString()) run();
		},
	};
})();
