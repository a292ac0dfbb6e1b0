/* Page viewer: the batch's pages in reading order (reorder by dragging the grip, with a
 * finger or a mouse, or with Move earlier/later), the page itself with zoom and pan (buttons,
 * wheel, pinch), its flags, and the page actions: rescan (one page or a range), insert,
 * rotate, delete (supervisor). Pages are shown by their place in reading order; the API
 * names them by number (their identity). */
'use strict';
(function () {
	const { el, t } = Folio;
	const FLAGS = ['check', 'blank', 'skew', 'dark', 'light', 'length', 'small', 'separator', 'barcode_unreadable', 'low_confidence', 'check_image'];

	Folio.screens.viewer = {
		async render(main, n, number) {
			let batch = null;
			let pages = [];
			let cur = 0; /* index in pages */
			const rtl = Folio.lang === 'ar';

			/* ---- layout ---- */
			const strip = el('div', { class: 'strip', id: 'strip', role: 'list', 'aria-label': t('viewer.strip') });
			const img = el('img', { id: 'page-image', alt: '', draggable: 'false' });
			const stage = el('div', { class: 'stage', id: 'stage', role: 'img' }, img);
			const where = el('h1', { id: 'page-where' });
			const info = el('div', { class: 'muted', id: 'page-info' });
			const flagChips = el('div', { class: 'flags', id: 'page-flags', 'aria-live': 'polite' });
			const zoomLabel = el('span', { id: 'zoom-level', 'aria-live': 'polite' });
			const flagPanel = el('div', { class: 'row', id: 'flag-panel', role: 'group', 'aria-label': t('viewer.flags') });
			/* A page whose bitonal image reads worse than its grey one (check_image) can go out in grey. */
			const greyRow = el('div', { class: 'row', id: 'grey-row', hidden: true },
				Folio.button(t('viewer.useGrey'), useGrey, { action: 'use-grey' }));
			const fromIn = el('input', { id: 'rescan-from', type: 'number', min: 1, inputmode: 'numeric' });
			const toIn = el('input', { id: 'rescan-to', type: 'number', min: 1, inputmode: 'numeric' });
			const countIn = el('input', { id: 'insert-count', type: 'number', min: 1, max: 500, value: 1, inputmode: 'numeric' });
			const text = el('pre', { id: 'page-text', class: 'ocr-text', dir: 'auto', hidden: true });
			const prevKey = rtl ? 'ArrowRight' : 'ArrowLeft';
			const nextKey = rtl ? 'ArrowLeft' : 'ArrowRight';

			const tools = el('div', { class: 'tools panel' },
				where, info, flagChips,
				el('div', { class: 'row' },
					Folio.button(t('viewer.prev'), () => show(cur - 1), { key: 'p', action: 'prev' }),
					Folio.button(t('viewer.next'), () => show(cur + 1), { key: 'n', action: 'next' })),
				el('div', { class: 'row' },
					Folio.button(t('viewer.zoomOut'), () => zoomBy(1 / 1.25), { key: '-', action: 'zoom-out' }),
					Folio.button(t('viewer.fit'), fit, { key: '0', action: 'fit' }),
					Folio.button(t('viewer.zoomIn'), () => zoomBy(1.25), { key: '+', action: 'zoom-in' })),
				el('div', { class: 'muted' }, zoomLabel),
				el('h2', {}, t('viewer.arrange')),
				el('div', { class: 'row' },
					Folio.button(t('viewer.earlier'), () => move(cur, cur - 1), { key: '[', action: 'earlier' }),
					Folio.button(t('viewer.later'), () => move(cur, cur + 1), { key: ']', action: 'later' })),
				el('div', { class: 'row' },
					Folio.button(t('viewer.rotateLeft'), () => rotate(270), { action: 'rotate-left' }),
					Folio.button(t('viewer.rotate180'), () => rotate(180), { action: 'rotate-180' }),
					Folio.button(t('viewer.rotateRight'), () => rotate(90), { action: 'rotate-right' })),
				el('h2', {}, t('viewer.flags'), ' ', el('kbd', {}, 'F')),
				flagPanel,
				greyRow,
				el('h2', {}, t('viewer.rescanTitle')),
				el('div', { class: 'row' },
					Folio.button(t('viewer.rescanThis'), () => rescan(cur, cur), { key: 'r', action: 'rescan', class: 'primary' })),
				el('div', { class: 'row' },
					el('div', { class: 'grow' }, el('label', { for: 'rescan-from' }, t('viewer.from')), fromIn),
					el('div', { class: 'grow' }, el('label', { for: 'rescan-to' }, t('viewer.to')), toIn)),
				el('div', { class: 'row' }, Folio.button(t('viewer.rescanRange'), rescanRange, { action: 'rescan-range' })),
				el('div', { class: 'row' },
					el('div', { class: 'grow' }, el('label', { for: 'insert-count' }, t('viewer.count')), countIn),
					Folio.button(t('viewer.insert'), insert, { action: 'insert' })),
				el('div', { class: 'row' },
					Folio.button(t('viewer.delete'), del, { action: 'delete', class: 'danger', disabled: !Folio.isSupervisor(),
						title: Folio.isSupervisor() ? undefined : t('viewer.deleteRole') })),
				Folio.isSupervisor() ? null : el('p', { class: 'muted' }, t('viewer.deleteRole')),
				el('div', { class: 'row' },
					Folio.button(t('viewer.text'), showText, { action: 'text' }),
					el('a', { class: 'button', href: '#/batch/' + n }, t('viewer.documents'))),
				text);
			main.append(el('div', { class: 'viewer' }, strip, stage, tools));

			const shortcuts = {
				n: { fn: () => show(cur + 1), label: t('viewer.next') },
				p: { fn: () => show(cur - 1), label: t('viewer.prev') },
				[nextKey]: { fn: () => show(cur + 1), label: t('viewer.next') },
				[prevKey]: { fn: () => show(cur - 1), label: t('viewer.prev') },
				f: { fn: () => toggleFlag('check', !(pg().flags || []).includes('check')), label: t('viewer.flagCheck') },
				r: { fn: () => rescan(cur, cur), label: t('viewer.rescanThis') },
				'+': { fn: () => zoomBy(1.25), label: t('viewer.zoomIn') },
				'=': { fn: () => zoomBy(1.25) },
				'-': { fn: () => zoomBy(1 / 1.25), label: t('viewer.zoomOut') },
				0: { fn: fit, label: t('viewer.fit') },
				'[': { fn: () => move(cur, cur - 1), label: t('viewer.earlier') },
				']': { fn: () => move(cur, cur + 1), label: t('viewer.later') },
			};
			Folio.keys(shortcuts);
			tools.append(Folio.shortcutList());

			/* ---- loading ---- */
			let dragging = false; /* a drag in the strip: reloads wait for its end */
			let pending = false;
			async function load(keepNumber) {
				if (dragging) {
					pending = true;
					return;
				}
				let answer;
				try {
					answer = await Folio.api('GET', '/api/batches/' + n);
				} catch (e) {
					Folio.fail(e);
					return;
				}
				if (dragging) {
					/* a drag began while the answer was on its way: redrawing the strip
					 * now would pull the page from under the finger */
					pending = true;
					return;
				}
				batch = answer;
				pages = batch.pages_list || [];
				const i = pages.findIndex((p) => p.number === keepNumber);
				cur = i >= 0 ? i : Math.min(cur, Math.max(0, pages.length - 1));
				drawStrip();
				show(cur, true);
			}

			function drawStrip() {
				strip.replaceChildren(...pages.map((p, i) => {
					const grip = el('span', { class: 'grip', 'aria-hidden': 'true', 'data-grip': p.number }, '⠿');
					const item = el('div', { class: 'item', role: 'listitem', 'data-page': p.number }, grip,
						Folio.thumb(n, p, { current: i === cur }));
					drag(grip, i);
					return item;
				}));
			}

			/* show(i): page I of the reading order; QUIET keeps the address as it is. */
			function show(i, quiet) {
				if (!pages.length) {
					where.textContent = t('viewer.empty');
					return;
				}
				if (i < 0 || i >= pages.length) return;
				cur = i;
				const p = pages[cur];
				if (!quiet && location.hash !== '#/batch/' + n + '/page/' + p.number)
					history.replaceState(null, '', '#/batch/' + n + '/page/' + p.number);
				where.textContent = t('viewer.where', { i: Folio.num(cur + 1), count: Folio.num(pages.length) });
				info.textContent = [
					p.document ? t('viewer.inDoc', { d: Folio.num(p.document) }) : t('viewer.noDoc'),
					t('viewer.number', { n: Folio.num(p.number) }),
					p.dpi ? t('viewer.dpi', { dpi: Folio.num(p.dpi) }) : '',
					p.ocr_confidence !== null && p.ocr_confidence !== undefined ? t('viewer.ocr', { c: Folio.num(p.ocr_confidence) }) : '',
				].filter(Boolean).join(' · ');
				const flags = p.flags || [];
				flagChips.replaceChildren(...(flags.length ? flags.map((f) => el('span', { class: 'flag', 'data-flag': f }, t('flag.' + f)))
					: [el('span', { class: 'muted' }, t('viewer.noFlags'))]));
				flagPanel.replaceChildren(...FLAGS.map((f) => el('button', {
					type: 'button', 'aria-pressed': String(flags.includes(f)), 'data-flag': f,
					onclick: () => toggleFlag(f, !flags.includes(f)),
				}, t('flag.' + f))));
				greyRow.hidden = !flags.includes('check_image');
				for (const item of strip.children) {
					const on = Number(item.dataset.page) === p.number;
					const th = item.querySelector('.thumb');
					th.classList.toggle('current', on);
					if (on) {
						th.setAttribute('aria-current', 'page');
						item.scrollIntoView({ block: 'nearest' });
					} else {
						th.removeAttribute('aria-current');
					}
				}
				fromIn.value = cur + 1;
				toIn.value = cur + 1;
				text.hidden = true;
				const src = Folio.imageUrl(n, p.number, 'view', Folio.pageKey(p));
				stage.setAttribute('aria-label', t('page.alt', { n: Folio.num(cur + 1) }));
				if (img.getAttribute('src') !== src) {
					img.onload = fit;
					img.src = src;
				}
			}

			/* ---- zoom and pan ---- */
			let scale = 1;
			let ox = 0;
			let oy = 0;
			function apply() {
				img.style.transform = 'translate(' + ox + 'px,' + oy + 'px) scale(' + scale + ')';
				zoomLabel.textContent = t('viewer.zoom', { z: Folio.num(scale * 100) });
			}
			function fit() {
				const r = stage.getBoundingClientRect();
				if (!img.naturalWidth || !r.width) return;
				scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
				ox = (r.width - img.naturalWidth * scale) / 2;
				oy = (r.height - img.naturalHeight * scale) / 2;
				apply();
			}
			function zoomAt(f, cx, cy) {
				const ns = Math.min(8, Math.max(0.05, scale * f));
				ox = cx - ((cx - ox) * ns) / scale;
				oy = cy - ((cy - oy) * ns) / scale;
				scale = ns;
				apply();
			}
			function zoomBy(f) {
				const r = stage.getBoundingClientRect();
				zoomAt(f, r.width / 2, r.height / 2);
			}
			const pointers = new Map();
			let pinch = null;
			stage.addEventListener('pointerdown', (e) => {
				stage.setPointerCapture(e.pointerId);
				pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
				if (pointers.size === 2) {
					const [a, b] = [...pointers.values()];
					pinch = { d: Math.hypot(a.x - b.x, a.y - b.y) };
				}
			});
			stage.addEventListener('pointermove', (e) => {
				const last = pointers.get(e.pointerId);
				if (!last) return;
				const now = { x: e.clientX, y: e.clientY };
				pointers.set(e.pointerId, now);
				if (pointers.size === 1) {
					ox += now.x - last.x;
					oy += now.y - last.y;
					apply();
				} else if (pointers.size === 2 && pinch) {
					const [a, b] = [...pointers.values()];
					const d = Math.hypot(a.x - b.x, a.y - b.y);
					const r = stage.getBoundingClientRect();
					if (pinch.d > 0) zoomAt(d / pinch.d, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top);
					pinch.d = d;
				}
			});
			const up = (e) => {
				pointers.delete(e.pointerId);
				if (pointers.size < 2) pinch = null;
			};
			stage.addEventListener('pointerup', up);
			stage.addEventListener('pointercancel', up);
			stage.addEventListener('wheel', (e) => {
				e.preventDefault();
				const r = stage.getBoundingClientRect();
				zoomAt(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
			}, { passive: false });
			stage.addEventListener('dblclick', fit);
			const onResize = () => fit();
			window.addEventListener('resize', onResize);
			this.leave = () => window.removeEventListener('resize', onResize);

			/* ---- reorder by drag (pointer events: mouse, pen and touch alike) ---- */
			function drag(grip, from) {
				let d = null;
				grip.addEventListener('pointerdown', (e) => {
					e.preventDefault();
					grip.setPointerCapture(e.pointerId);
					d = { y: e.clientY, ghost: null, to: from };
					dragging = true;
				});
				grip.addEventListener('pointermove', (e) => {
					if (!d) return;
					if (!d.ghost) {
						if (Math.abs(e.clientY - d.y) < 6) return;
						d.ghost = grip.parentNode.querySelector('.thumb').cloneNode(true);
						d.ghost.classList.add('ghost');
						document.body.append(d.ghost);
						grip.parentNode.classList.add('dragging');
					}
					d.ghost.style.top = e.clientY - 40 + 'px';
					d.ghost.style.left = e.clientX + 10 + 'px';
					const items = [...strip.children];
					let to = 0;
					items.forEach((it, i) => {
						it.classList.remove('drop-before', 'drop-after');
						const r = it.getBoundingClientRect();
						if (i !== from && e.clientY > r.top + r.height / 2) to++;
					});
					d.to = to;
					const others = items.filter((it, i) => i !== from);
					if (others.length) {
						if (to < others.length) others[to].classList.add('drop-before');
						else others[others.length - 1].classList.add('drop-after');
					}
					const sr = strip.getBoundingClientRect();
					if (e.clientY < sr.top + 40) strip.scrollTop -= 12;
					else if (e.clientY > sr.bottom - 40) strip.scrollTop += 12;
				});
				const end = (commit) => () => {
					if (!d) return;
					const was = d;
					d = null;
					dragging = false;
					const reload = pending;
					pending = false;
					if (was.ghost) was.ghost.remove();
					for (const it of strip.children) it.classList.remove('drop-before', 'drop-after', 'dragging');
					if (commit && was.ghost && was.to !== from) move(from, was.to);
					else if (reload) load(pg() && pg().number);
				};
				grip.addEventListener('pointerup', end(true));
				grip.addEventListener('pointercancel', end(false));
			}

			/* move(from, to): page FROM goes to place TO; it joins the document of the page
			 * before it there (the one after it at the front). */
			async function move(from, to) {
				if (to < 0 || to >= pages.length || from === to) return;
				const list = pages.map((p) => ({ number: p.number, document: p.document }));
				const [p] = list.splice(from, 1);
				list.splice(to, 0, p);
				const near = list[to - 1] || list[to + 1];
				if (near) p.document = near.document;
				try {
					await Folio.arrange(n, Folio.groupPages(list));
					Folio.show(t('viewer.moved', { from: Folio.num(from + 1), to: Folio.num(to + 1) }), 'ok');
					await load(p.number);
				} catch (e) {
					Folio.fail(e);
				}
			}

			/* ---- page actions ---- */
			const pg = () => pages[cur];
			async function toggleFlag(f, on) {
				try {
					await Folio.api('POST', '/api/batches/' + n + '/pages/' + pg().number + '/flags',
						on ? { set: [f], clear: [] } : { set: [], clear: [f] });
					const keep = pg().number;
					await load(keep);
					const b = flagPanel.querySelector('[data-flag="' + f + '"]');
					if (b) b.focus();
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function useGrey() {
				try {
					await Folio.api('POST', '/api/batches/' + n + '/pages/' + pg().number + '/grey', {});
					await load(pg().number);
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function rotate(deg) {
				try {
					await Folio.api('POST', '/api/batches/' + n + '/pages/' + pg().number + '/rotate', { degrees: deg });
					await load(pg().number);
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function rescan(a, b) {
				if (!pages[a] || !pages[b] || b < a) {
					Folio.show(t('viewer.badRange', { count: Folio.num(pages.length) }), 'error');
					return;
				}
				try {
					await Folio.api('POST', '/api/batches/' + n + '/rescan', { from: pages[a].number, to: pages[b].number });
					Folio.show(a === b ? t('viewer.rescanOne', { i: Folio.num(a + 1) })
						: t('viewer.rescanMany', { a: Folio.num(a + 1), b: Folio.num(b + 1), count: Folio.num(b - a + 1) }), 'info');
				} catch (e) {
					Folio.fail(e);
				}
			}
			function rescanRange() {
				rescan(Number(fromIn.value) - 1, Number(toIn.value) - 1);
			}
			async function insert() {
				const count = Number(countIn.value);
				if (!(count >= 1)) {
					Folio.show(t('viewer.badCount'), 'error');
					return;
				}
				try {
					await Folio.api('POST', '/api/batches/' + n + '/insert', { after: pg().number, count });
					Folio.show(t('viewer.inserting', { count: Folio.num(count), i: Folio.num(cur + 1) }), 'info');
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function del() {
				const i = cur;
				const ok = await Folio.confirm(t('viewer.deleteAsk', { i: Folio.num(i + 1) }), t('viewer.delete'));
				if (!ok) return;
				try {
					await Folio.api('DELETE', '/api/batches/' + n + '/pages/' + pg().number);
					Folio.show(t('viewer.deleted', { i: Folio.num(i + 1) }), 'ok');
					const next = pages[i + 1] || pages[i - 1];
					await load(next && next.number);
				} catch (e) {
					Folio.fail(e);
				}
			}
			async function showText() {
				try {
					const r = await Folio.api('GET', '/api/batches/' + n + '/pages/' + pg().number + '/text');
					text.textContent = r.text || t('viewer.noText');
				} catch (e) {
					if (e.handled) return;
					text.textContent = e.status === 404 ? t('viewer.notRead') : e.error;
				}
				text.hidden = false;
			}

			/* Pages replaced, added or moved (here or elsewhere): show them as they are now. */
			let timer = null;
			const reload = (b) => {
				if (b.batch !== n) return;
				clearTimeout(timer);
				timer = setTimeout(() => load(pg() && pg().number), 300);
			};
			Folio.on('batch', reload);
			Folio.on('page', reload);
			Folio.on('done', (b) => {
				reload(b);
				if (b.batch === n) Folio.show(t('viewer.scanDone'), 'ok');
			});
			await load(number);
		},
	};

	/* confirm(question, yes): a dialog the finger can answer; resolves true or false. */
	Folio.confirm = function (question, yes) {
		return new Promise((resolve) => {
			const dlg = el('dialog', { 'aria-label': question },
				el('p', {}, question),
				el('div', { class: 'row' },
					el('button', { type: 'button', class: 'danger primary', 'data-answer': 'yes', onclick: () => dlg.close('yes') }, yes),
					el('button', { type: 'button', 'data-answer': 'no', onclick: () => dlg.close('no') }, t('common.cancel'))));
			dlg.addEventListener('close', () => {
				dlg.remove();
				resolve(dlg.returnValue === 'yes');
			});
			document.body.append(dlg);
			dlg.showModal();
		});
	};
})();
