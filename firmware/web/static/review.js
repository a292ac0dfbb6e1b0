/* Approve or reject a batch (supervisor): what will be uploaded, document by document, and
 * the flags nobody has resolved. A clerk sees the same summary without the buttons. */
'use strict';
(function () {
	const { el, t } = Folio;

	Folio.screens.review = {
		async render(main, n) {
			let b;
			try {
				b = await Folio.api('GET', '/api/batches/' + n);
			} catch (e) {
				Folio.fail(e);
				return;
			}
			const s = b.summary || { pages: b.pages, documents: b.documents, bytes: 0, unresolved: [] };
			const unresolved = s.unresolved || [];
			const docs = b.documents_list || [];
			const seps = (b.pages_list || []).filter((p) => (p.flags || []).includes('separator')).length;
			main.append(el('h1', {}, t('review.title', { n: Folio.num(n) })));
			main.append(el('section', { class: 'panel', id: 'review-summary', 'aria-labelledby': 'sum-title' },
				el('h2', { id: 'sum-title' }, t('review.upload')),
				el('p', { class: 'big', id: 'review-counts' }, t('review.counts', {
					pages: Folio.num(s.pages), docs: Folio.num(s.documents), size: Folio.bytes(s.bytes || 0),
				})),
				el('p', {}, t('review.state', { state: t('bstate.' + b.state) })),
				b.office_refusal ? el('p', { class: 'problems', id: 'review-office-refusal', dir: 'auto' },
					t('review.officeRefused', { reason: b.office_refusal })) : null,
				seps ? el('p', { class: 'muted' }, t('review.separators', { n: Folio.num(seps) })) : null,
				el('table', { id: 'review-docs' },
					el('thead', {}, el('tr', {}, ['review.doc', 'field.office', 'field.ip_type', 'field.application',
						'field.document_code', 'field.received', 'review.pages', 'review.problems'].map((k) => el('th', { scope: 'col' }, t(k))))),
					el('tbody', {}, docs.map((d) => el('tr', { 'data-doc': d.number },
						el('td', {}, Folio.num(d.number)),
						el('td', { dir: 'ltr' }, d.office || ''),
						el('td', {}, d.ip_type ? t('ip.' + d.ip_type) : ''),
						el('td', { dir: 'ltr' }, d.application || ''),
						el('td', { dir: 'ltr' }, d.document_code || ''),
						el('td', {}, d.received || ''),
						el('td', {}, Folio.num((b.pages_list || []).filter((p) => p.document === d.number).length)),
						el('td', {}, (d.problems || []).length ? el('ul', { class: 'problems' }, d.problems.map((p) => el('li', { dir: 'auto', 'data-code': p.code || '' }, Folio.say(p))))
							: t('review.ok'))))))));
			main.append(el('section', { class: 'panel', id: 'review-flags', 'aria-labelledby': 'flags-title' },
				el('h2', { id: 'flags-title' }, t('review.unresolved', { n: Folio.num(unresolved.length) })),
				unresolved.length ? el('ul', {}, unresolved.map((u) => el('li', { dir: 'auto', 'data-code': u.code || '' }, Folio.say(u))))
					: el('p', {}, t('review.noFlags')),
				el('a', { class: 'button', href: '#/batch/' + n }, t('batch.goDocuments'))));

			const sup = Folio.isSupervisor();
			const can = b.state === 'closed';
			const reason = el('textarea', { id: 'reject-reason', rows: 3, maxlength: 500, dir: 'auto', disabled: !sup });
			const approve = Folio.button(t('review.approve'), doApprove, { class: 'primary', action: 'approve', disabled: !sup || !can });
			const reject = Folio.button(t('review.reject'), doReject, { class: 'danger', action: 'reject', disabled: !sup || !can });
			main.append(el('section', { class: 'panel', 'aria-labelledby': 'decide-title' },
				el('h2', { id: 'decide-title' }, t('review.decide')),
				!sup ? el('p', { class: 'muted', id: 'review-role' }, t('review.supervisorOnly')) : null,
				sup && !can ? el('p', { class: 'muted' }, t('review.notClosed', { state: t('bstate.' + b.state) })) : null,
				unresolved.length && sup && can ? el('p', {}, t('review.flagsWarn', { n: Folio.num(unresolved.length) })) : null,
				el('div', { class: 'row' }, approve),
				el('div', { class: 'field' }, el('label', { for: 'reject-reason' }, t('review.reason')), reason),
				el('div', { class: 'row' }, reject)));

			async function doApprove() {
				approve.disabled = true;
				try {
					await Folio.api('POST', '/api/batches/' + n + '/approve', { revision: b.revision });
					Folio.show(t('review.approved', { n: Folio.num(n) }), 'ok');
					Folio.go('#/queue');
				} catch (e) {
					Folio.fail(e);
					approve.disabled = false;
				}
			}
			async function doReject() {
				if (!reason.value.trim()) {
					Folio.show(t('review.needReason'), 'error');
					reason.focus();
					return;
				}
				try {
					await Folio.api('POST', '/api/batches/' + n + '/reject', { reason: reason.value.trim() });
					Folio.show(t('review.rejected', { n: Folio.num(n) }), 'ok');
					Folio.refresh();
				} catch (e) {
					Folio.fail(e);
				}
			}
		},
	};
})();
