/* Documents: the batch split into documents, each with its index fields (checked by the
 * server as they are typed: a 422 shows next to its field), problems, and pages; split,
 * merge and separator marks go through POST arrange and flags. */
'use strict';
(function () {
	const { el, t } = Folio;
	const FIELDS = ['office', 'ip_type', 'application', 'document_code', 'received', 'language'];

	/* Pages grouped by document in reading order: [{doc, pages: [...]}]; pages outside any
	 * document make their own group (doc 0). */
	Folio.groupPages = function (pages) {
		const groups = [];
		for (const p of pages) {
			const d = p.document || 0;
			const last = groups[groups.length - 1];
			if (last && last.doc === d) last.pages.push(p);
			else groups.push({ doc: d, pages: [p] });
		}
		return groups;
	};

	/* arrange(n, groups): POST the new reading order, documents numbered 1..k as grouped. */
	Folio.arrange = async function (n, groups) {
		const pages = [];
		let d = 0;
		for (const g of groups) {
			if (!g.pages.length) continue;
			d++;
			for (const p of g.pages) pages.push({ number: p.number, document: d });
		}
		await Folio.api('POST', '/api/batches/' + n + '/arrange', { pages });
	};

	function input(doc, field, value, attrs) {
		return el('input', Object.assign({ id: 'f-' + doc + '-' + field, name: field, value: value || '' }, attrs));
	}

	Folio.screens.documents = {
		async render(main, n) {
			let batch;
			try {
				batch = await Folio.api('GET', '/api/batches/' + n);
			} catch (e) {
				Folio.fail(e);
				return;
			}
			const first = (batch.pages_list || [])[0];
			const canChange = ['open', 'closed', 'rejected'].includes(batch.state);
			const head = el('div', { class: 'panel row' },
				el('div', { class: 'grow' },
					el('h1', {}, t('docs.title', { n: Folio.num(n) })),
					el('div', { id: 'batch-summary' }, t('docs.summary', {
						state: t('bstate.' + batch.state), pages: Folio.num(batch.pages), docs: Folio.num(batch.documents),
					}))),
				first ? el('a', { class: 'button', href: '#/batch/' + n + '/page/' + first.number, 'aria-keyshortcuts': 'v' },
					t('docs.viewer'), el('kbd', {}, 'V')) : null,
				batch.state === 'open' ? el('a', { class: 'button', href: '#/capture/' + n }, t('batch.goCapture')) : null,
				batch.state === 'open' ? Folio.button(t('docs.close'), close, { action: 'close' }) : null,
				batch.state === 'rejected' ? Folio.button(t('docs.reopen'), reopen, { action: 'reopen' }) : null,
				batch.state === 'closed' || batch.state === 'rejected'
					? el('a', { class: 'button primary', href: '#/review/' + n }, t('batch.goReview')) : null);
			main.append(head);
			Folio.keys({
				v: { fn: () => first && Folio.go('#/batch/' + n + '/page/' + first.number), label: t('docs.viewer') },
			});

			const docs = new Map((batch.documents_list || []).map((d) => [d.number, d]));
			const groups = Folio.groupPages(batch.pages_list || []);
			for (const d of docs.keys())
				if (!groups.some((g) => g.doc === d)) groups.push({ doc: d, pages: [] });
			const codes = el('datalist', { id: 'doc-codes' });
			const seenCodes = new Set((batch.documents_list || []).map((d) => d.document_code).filter(Boolean));
			for (const c of seenCodes) codes.append(el('option', { value: c }));
			main.append(codes);

			groups.forEach((g, gi) => main.append(card(g, gi)));
			main.append(el('div', { class: 'panel' }, Folio.shortcutList()));

			function card(g, gi) {
				const d = docs.get(g.doc);
				const sec = el('section', { class: 'panel doc', 'data-doc': g.doc, 'aria-labelledby': 'doc-title-' + gi });
				const title = g.doc ? t('docs.doc', { d: Folio.num(g.doc), pages: Folio.num(g.pages.length) })
					: t('docs.loose', { pages: Folio.num(g.pages.length) });
				const merge = gi > 0 && canChange
					? Folio.button(t('docs.merge'), () => merge_(gi), { action: 'merge' }) : null;
				sec.append(el('div', { class: 'row' }, el('h2', { class: 'grow', id: 'doc-title-' + gi }, title), merge));
				if (d) {
					const problems = el('ul', { class: 'problems', id: 'problems-' + g.doc, 'aria-live': 'polite' });
					sec.append(problems, fields(d, problems));
					showProblems(sec, problems, d.problems);
				}
				const strip = el('div', { class: 'thumbs' });
				g.pages.forEach((p, pi) => {
					if (pi > 0 && canChange)
						strip.append(el('button', {
							type: 'button', class: 'split', 'data-action': 'split', 'data-before': p.number,
							'aria-label': t('docs.splitBefore', { n: Folio.num(p.position) }),
							title: t('docs.splitBefore', { n: Folio.num(p.position) }),
							onclick: () => split(gi, pi),
						}, '✂'));
					const sep = (p.flags || []).includes('separator');
					strip.append(el('div', { class: 'cell' },
						Folio.thumb(n, p),
						canChange ? el('button', {
							type: 'button', 'aria-pressed': String(sep), 'data-action': 'separator', 'data-page': p.number,
							onclick: () => separator(p, !sep),
						}, t('docs.separator')) : null));
				});
				sec.append(strip);
				return sec;
			}

			function showProblems(sec, list, problems) {
				list.replaceChildren(...(problems || []).map((p) => el('li', { dir: 'auto', 'data-code': p.code || '' }, Folio.say(p))));
				sec.classList.toggle('invalid', !!(problems && problems.length));
			}

			function fields(d, problems) {
				const k = d.number;
				const langs = ['en', 'fr', 'ar'];
				if (d.language && !langs.includes(d.language)) langs.push(d.language);
				const controls = {
					office: input(k, 'office', d.office, { maxlength: 2, autocapitalize: 'characters', dir: 'ltr', inputmode: 'text' }),
					ip_type: el('select', { id: 'f-' + k + '-ip_type', name: 'ip_type' },
						['patent', 'trademark', 'design'].map((v) => el('option', { value: v, selected: v === d.ip_type }, t('ip.' + v)))),
					application: input(k, 'application', d.application, { maxlength: 64, dir: 'ltr', autocomplete: 'off', spellcheck: 'false' }),
					document_code: input(k, 'document_code', d.document_code, { maxlength: 32, dir: 'ltr', list: 'doc-codes', autocapitalize: 'characters' }),
					received: input(k, 'received', d.received, { type: 'date' }),
					language: el('select', { id: 'f-' + k + '-language', name: 'language' },
						langs.map((v) => el('option', { value: v, selected: v === d.language }, t('doclang.' + v) === '[doclang.' + v + ']' ? v : t('doclang.' + v)))),
				};
				const grid = el('div', { class: 'doc-fields' });
				for (const f of FIELDS) {
					const c = controls[f];
					const err = el('div', { class: 'error', id: 'err-' + k + '-' + f, 'aria-live': 'polite' });
					c.setAttribute('aria-describedby', err.id);
					if (!canChange) c.disabled = true;
					grid.append(el('div', { class: 'field' }, el('label', { for: c.id }, t('field.' + f)), c, err));
					let timer = null;
					let sent = c.value;
					const save = async () => {
						clearTimeout(timer);
						if (c.value === sent) return;
						const value = c.value;
						sent = value;
						try {
							const r = await Folio.api('PUT', '/api/batches/' + n + '/documents/' + k, { [f]: value });
							err.textContent = '';
							c.removeAttribute('aria-invalid');
							if (r && r.problems) showProblems(problems.parentNode, problems, r.problems);
						} catch (e) {
							if (e.handled) return;
							if (e.status === 422 || e.field) {
								const target = controls[e.field] ? e.field : f;
								document.getElementById('err-' + k + '-' + target).textContent = e.error;
								controls[target].setAttribute('aria-invalid', 'true');
							} else {
								Folio.fail(e);
							}
						}
					};
					if (c.tagName === 'INPUT' && c.type !== 'date') {
						c.addEventListener('input', () => {
							if (f === 'office' || f === 'document_code') {
								const at = c.selectionStart;
								c.value = c.value.toUpperCase();
								c.setSelectionRange(at, at);
							}
							clearTimeout(timer);
							timer = setTimeout(save, 700);
						});
					}
					c.addEventListener('change', save);
				}
				return grid;
			}

			async function arrange(newGroups, what) {
				try {
					await Folio.arrange(n, newGroups);
					Folio.show(t(what), 'ok');
					Folio.refresh();
				} catch (e) {
					Folio.fail(e);
				}
			}
			function split(gi, pi) {
				const ng = groups.map((g) => ({ doc: g.doc, pages: g.pages.slice() }));
				const tail = ng[gi].pages.splice(pi);
				ng.splice(gi + 1, 0, { doc: -1, pages: tail });
				arrange(ng, 'docs.didSplit');
			}
			function merge_(gi) {
				const ng = groups.map((g) => ({ doc: g.doc, pages: g.pages.slice() }));
				ng[gi - 1].pages.push(...ng[gi].pages);
				ng.splice(gi, 1);
				arrange(ng, 'docs.didMerge');
			}
			async function separator(p, on) {
				try {
					await Folio.api('POST', '/api/batches/' + n + '/pages/' + p.number + '/flags',
						on ? { set: ['separator'], clear: [] } : { set: [], clear: ['separator'] });
					Folio.refresh();
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function close() {
				try {
					await Folio.api('POST', '/api/batches/' + n + '/close');
					Folio.show(t('docs.didClose', { n: Folio.num(n) }), 'ok');
					Folio.refresh();
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function reopen() {
				try {
					await Folio.api('POST', '/api/batches/' + n + '/reopen');
					Folio.refresh();
				} catch (e) {
					Folio.fail(e);
				}
			}
			Folio.on('batch', (b) => b.batch === n && Folio.refreshSoon());
			Folio.on('done', (b) => b.batch === n && Folio.refreshSoon());
		},
	};
})();
