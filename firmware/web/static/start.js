/* Start screen: choose the scanner and profile, cover-sheet mode, start a batch; below, the
 * recent batches with where to go next for each. */
'use strict';
(function () {
	const { el, t } = Folio;

	/* The actions that make sense for a batch in STATE. */
	Folio.batchLinks = function (b) {
		const links = [];
		if (b.state === 'open') links.push(['#/capture/' + b.id, 'batch.goCapture']);
		links.push(['#/batch/' + b.id, 'batch.goDocuments']);
		if (b.state === 'closed' || b.state === 'rejected')
			links.push(['#/review/' + b.id, 'batch.goReview']);
		return links.map(([href, key]) => el('a', { class: 'button', href }, t(key)));
	};

	Folio.screens.start = {
		async render(main) {
			main.append(el('h1', {}, t('start.title')));
			const form = el('form', { class: 'panel', id: 'start-form' });
			const recent = el('section', { class: 'panel', 'aria-labelledby': 'recent-title' },
				el('h2', { id: 'recent-title' }, t('start.recent')));
			main.append(form, recent);

			const [devs, list] = await Promise.all([
				Folio.api('GET', '/api/devices').catch((e) => (Folio.fail(e), null)),
				Folio.api('GET', '/api/batches').catch((e) => (Folio.fail(e), null)),
			]);

			const device = el('select', { id: 'device', name: 'device' });
			const profile = el('select', { id: 'profile', name: 'profile' });
			const covers = el('input', { type: 'checkbox', id: 'covers', name: 'cover_sheets' });
			const devices = (devs && devs.devices) || [];
			for (const d of devices) {
				const what = [d.vendor, d.model].filter(Boolean).join(' ');
				device.append(el('option', { value: d.name, selected: d.name === devs.default_device },
					what ? what + ' (' + d.name + ')' : d.name));
			}
			if (devs && devs.default_device && !devices.some((d) => d.name === devs.default_device))
				device.append(el('option', { value: devs.default_device, selected: true }, devs.default_device));
			for (const p of (devs && devs.profiles) || [])
				profile.append(el('option', { value: p, selected: p === devs.default_profile }, p));

			const start = el('button', { type: 'submit', class: 'primary', id: 'start-batch',
				disabled: !device.options.length }, t('start.start'));
			form.append(
				el('div', { class: 'cols' },
					el('div', { class: 'field' }, el('label', { for: 'device' }, t('start.scanner')), device),
					el('div', { class: 'field' }, el('label', { for: 'profile' }, t('start.profile')), profile)),
				el('label', { class: 'check', for: 'covers' }, covers, t('start.covers')),
				el('p', { class: 'muted' }, device.options.length ? t('start.hint') : t('start.noScanner')),
				start);
			form.addEventListener('submit', async (ev) => {
				ev.preventDefault();
				start.disabled = true;
				try {
					const body = { device: device.value, cover_sheets: covers.checked };
					if (profile.value) body.profile = profile.value;
					const r = await Folio.api('POST', '/api/capture', body);
					Folio.go('#/capture/' + r.batch);
				} catch (e) {
					Folio.fail(e);
				} finally {
					start.disabled = false;
				}
			});

			const table = el('div', { id: 'recent' });
			recent.append(table);
			const draw = (l) => {
				const batches = (l && l.batches) || [];
				if (!batches.length) {
					table.replaceChildren(el('p', { class: 'muted' }, t('start.none')));
					return;
				}
				table.replaceChildren(el('table', { id: 'batches' },
					el('thead', {}, el('tr', {},
						['batch.number', 'batch.state', 'batch.pages', 'batch.documents', 'batch.created', 'common.actions']
							.map((k) => el('th', { scope: 'col' }, t(k))))),
					el('tbody', {}, batches.map((b) => el('tr', { 'data-batch': b.id },
						el('td', {}, Folio.num(b.id)),
						el('td', {}, t('bstate.' + b.state)),
						el('td', {}, Folio.num(b.pages)),
						el('td', {}, Folio.num(b.documents)),
						el('td', {}, Folio.time(b.created)),
						el('td', {}, el('div', { class: 'row' }, Folio.batchLinks(b))))))));
			};
			draw(list);
			let timer = null;
			const redraw = () => {
				clearTimeout(timer);
				timer = setTimeout(() => Folio.api('GET', '/api/batches').then(draw, Folio.fail), 1000);
			};
			Folio.on('batch', redraw);
			Folio.on('done', redraw);
		},
	};

	/* Re-render after a burst of events, at most once a second. */
	let soon = null;
	Folio.refreshSoon = function () {
		if (soon) return;
		soon = setTimeout(() => {
			soon = null;
			const f = document.activeElement;
			if (f && /^(INPUT|SELECT|TEXTAREA)$/.test(f.tagName)) return;
			Folio.refresh();
		}, 1000);
	};
})();
