// The clerk station end to end in a real browser (Debian's Chromium, headless, driven by
// playwright-core) against foliod with the virtual feeder: sign in, start a batch, watch the
// pages arrive, a paper jam at sheet 3 explained and resumed, an invalid application number
// refused next to its field (on a French screen: the server's refusal said in French) and
// then fixed, page 3 rescanned, pages reordered by mouse, by touch and by keyboard, the batch
// approved by a supervisor (in French, her language: a page flagged meanwhile is listed by its
// French flag name and her stale approval refused in French first) and seen queued; a
// dossier search (by number, then by words). Every screen is saved as a PNG, the capture,
// documents and viewer screens in Arabic (right to left) too.
//
// Run by tests/integration/web_e2e.sh, which starts foliod; settings come from the
// environment: FOLIO_WEB_URL, FOLIO_FEEDER (the feeder's folder), FOLIO_SHEETS (sheet-1.png ..
// sheet-4.png and rescan-3.png), FOLIO_ARTEFACTS (screenshots), FOLIO_CLERK and
// FOLIO_SUPERVISOR ("name:password"), CHROMIUM (default /usr/bin/chromium), PLAYWRIGHT_CORE
// (the module's folder). Prints "figure:" lines; exits 1 with "FAIL: ..." on the first failure.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const base = process.env.FOLIO_WEB_URL.replace(/\/$/, '');
const feeder = process.env.FOLIO_FEEDER;
const sheets = process.env.FOLIO_SHEETS;
const shots = process.env.FOLIO_ARTEFACTS;
const [clerk, clerkPass] = process.env.FOLIO_CLERK.split(':');
const [sup, supPass] = process.env.FOLIO_SUPERVISOR.split(':');
const VALID_APPLICATION = '102024000000123';
const T = 30000; /* the longest any one thing a clerk waits for may take */

const started = Date.now();
let step = 'start-up';
const fail = (msg) => {
	throw new Error(msg);
};
const check = (ok, msg) => ok || fail(msg);

/* load(files): put these sheets (from FOLIO_SHEETS) in the feeder, in order, as a clerk would.
 * Emptying the folder also removes the feeder's place (.folio-feeder): a fresh stack. */
function load(files) {
	for (const f of fs.readdirSync(feeder)) fs.unlinkSync(path.join(feeder, f));
	files.forEach((f, i) => fs.copyFileSync(path.join(sheets, f), path.join(feeder, `sheet-${String(i + 1).padStart(2, '0')}.png`)));
}

async function main() {
	fs.mkdirSync(shots, { recursive: true });
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
	});
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true, locale: 'en-GB' });
	const page = await context.newPage();
	lastPage = page;
	page.setDefaultTimeout(T);
	const jsErrors = [];
	page.on('pageerror', (e) => jsErrors.push(e.message));
	const failed = [];
	page.on('response', (r) => {
		if (r.status() >= 500) failed.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
	});

	/* shot(name): the screen as the clerk sees it, after checking it has no missing string. */
	const saved = [];
	async function shot(name) {
		await page.waitForTimeout(150); /* let the last paint settle: cosmetic only */
		const text = await page.locator('body').innerText();
		const missing = text.match(/\[[a-z]+\.[\w.]+\]/);
		check(!missing, `screen '${name}' shows a missing string ${missing && missing[0]}`);
		await page.screenshot({ path: path.join(shots, name + '.png') });
		saved.push(name + '.png');
	}
	const messages = () => page.locator('#messages .message');
	async function expectMessage(re, kind) {
		const m = messages().filter({ hasText: re });
		await m.last().waitFor();
		if (kind) check(await m.last().getAttribute('data-kind') === kind, `message '${re}' is not shown as ${kind}`);
	}
	async function setLang(lang) {
		await page.selectOption('#lang-select', lang);
		await page.waitForFunction((l) => document.documentElement.lang === l, lang);
	}
	async function signIn(user, pass) {
		await page.locator('#user').fill(user);
		await page.locator('#password').fill(pass);
		await page.locator('form button[type=submit]').click();
		await page.locator('#bar').waitFor({ state: 'visible' });
	}
	/* thumbsLoaded(selector): how many thumbnails show a decoded picture */
	const thumbsLoaded = (sel) => page.$$eval(sel + ' img', (imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).length);

	// ---- sign in as the clerk: a wrong PIN first ----
	step = 'sign-in';
	await page.goto(base + '/');
	await page.getByRole('heading', { name: 'Sign in to Folio' }).waitFor();
	await shot('01-signin');
	await page.locator('#user').fill(clerk);
	await page.locator('#password').fill('not-the-pin');
	await page.locator('form button[type=submit]').click();
	await page.locator('#signin-error', { hasText: 'Wrong user name or PIN' }).waitFor();
	await signIn(clerk, clerkPass);
	check((await page.locator('#who').innerText()).includes(`${clerk} (clerk)`), 'the header does not name the clerk');

	// ---- start a batch ----
	step = 'start a batch';
	await page.locator('#start-form').waitFor();
	const devices = await page.$$eval('#device option', (o) => o.map((x) => x.value));
	check(devices.some((d) => d === 'folio:' + feeder), `the feeder is not offered as a scanner: ${devices.join(', ')}`);
	await page.selectOption('#device', 'folio:' + feeder);
	await shot('02-start');
	load(['sheet-1.png', 'sheet-2.png', 'sheet-3.png', 'sheet-4.png']);
	await page.locator('#start-batch').click();
	await page.waitForURL(/#\/capture\/\d+$/);
	const batch = Number(/#\/capture\/(\d+)$/.exec(page.url())[1]);

	// ---- watch the pages arrive, then the jam at sheet 3 ----
	step = 'live capture';
	const counts = [];
	await page.waitForFunction(() => Number(document.getElementById('page-count').textContent) >= 1);
	counts.push(await page.locator('#page-count').innerText());
	await page.locator('#state[data-state="fault"]').waitFor();
	const stateText = await page.locator('#state').innerText();
	check(/needs attention/i.test(stateText) && /jam/i.test(stateText), `the jam is not explained: ${stateText}`);
	check(/put it back on top/i.test(stateText) && /resume/i.test(stateText), `the jam's remedy is not said: ${stateText}`);
	check(await page.locator('#page-count').innerText() === '2', `after the jam at sheet 3 the count is ${await page.locator('#page-count').innerText()}, not 2`);
	await page.waitForFunction(() => [...document.querySelectorAll('#thumbs img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2);
	check(await page.locator('[data-action=resume]').isEnabled(), 'Resume is not offered after the jam');
	/* Resume feeds from the batch's own scanner unless the clerk picks another. */
	await page.waitForFunction(() => document.querySelectorAll('#resume-device option').length > 0);
	check(await page.locator('#resume-device').inputValue() === 'folio:' + feeder,
		`Resume is not set to the batch's scanner: ${await page.locator('#resume-device').inputValue()}`);
	check(/scanner: needs attention/i.test(await page.locator('#scanner-pill').innerText()), 'the header does not show the fault');
	await shot('03-capture-jam');
	await setLang('ar');
	check(await page.evaluate(() => document.documentElement.dir) === 'rtl', 'Arabic is not right to left');
	await page.locator('#state-word', { hasText: 'يحتاج إلى تدخل' }).waitFor(); /* the fault, in Arabic */
	await page.locator('#state-todo', { hasText: 'انحشار الورق' }).waitFor(); /* and its remedy */
	await page.waitForFunction(() => [...document.querySelectorAll('#thumbs img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2);
	await shot('03-capture-jam-ar');
	await setLang('en');

	// ... the clerk puts sheet 3 back on top with sheet 4 and presses Resume (key r)
	load(['sheet-3.png', 'sheet-4.png']);
	await page.locator('body').press('r');
	await page.locator('#state[data-state="done"]').waitFor();
	await page.waitForFunction(() => document.getElementById('page-count').textContent === '4');
	await page.waitForFunction(() => [...document.querySelectorAll('#thumbs img')].filter((i) => i.complete && i.naturalWidth > 0).length === 4);
	counts.push('4');
	await expectMessage(/finished: 4 pages/, 'ok');
	await shot('04-capture-done');
	console.log(`figure: batch ${batch}: pages arrived live (count ${counts.join(' -> ')}), jam at sheet 3 shown, resumed to 4 pages, 4 thumbnails loaded`);

	// ---- documents: an invalid application number refused next to its field, then fixed ----
	step = 'documents';
	await page.locator('a', { hasText: 'Documents' }).first().click();
	await page.waitForURL(new RegExp(`#/batch/${batch}$`));
	const app = page.locator('#f-1-application');
	await app.waitFor();
	await setLang('fr'); /* the server's refusal, said from its code in the clerk's language */
	await app.fill('12');
	const appErr = page.locator('#err-1-application');
	await page.waitForFunction(() => document.getElementById('err-1-application').textContent.trim() !== '');
	check(await app.getAttribute('aria-invalid') === 'true', 'the invalid number is not marked on its field');
	const errText = await appErr.innerText();
	check(errText.includes('Numéro de demande') && errText.includes("n’est pas valide"),
		`the refused number is not explained in French: '${errText}'`);
	await shot('05-documents-invalid-fr');
	await app.fill(VALID_APPLICATION);
	await page.waitForFunction(() => document.getElementById('err-1-application').textContent.trim() === '');
	check(await app.getAttribute('aria-invalid') === null, 'the field stays marked invalid after the fix');
	await setLang('en'); /* after the fix is saved: a language change draws the screen again */
	const put = page.waitForResponse((r) => /\/documents\/1$/.test(r.url()) && r.request().method() === 'PUT');
	await page.locator('#f-1-received').fill('2026-11-20');
	check((await put).status() === 200, 'the received date was refused');
	await page.reload();
	await app.waitFor();
	check(await app.inputValue() === VALID_APPLICATION, `the fixed number did not stay: '${await app.inputValue()}'`);
	await shot('05-documents');
	await setLang('ar');
	await page.locator('label[for="f-1-application"]', { hasText: 'رقم الطلب' }).waitFor();
	await page.waitForFunction(() => [...document.querySelectorAll('.doc img')].every((i) => i.complete && i.naturalWidth > 0));
	await shot('05-documents-ar');
	await setLang('en');
	console.log(`figure: invalid application number '12' refused next to its field ("${errText}"), ${VALID_APPLICATION} accepted and kept`);

	// ---- page viewer: rescan page 3 (key r) ----
	step = 'rescan page 3';
	await page.locator('a', { hasText: 'Page viewer' }).click();
	await page.locator('#strip .item').first().waitFor();
	const order = () => page.$$eval('#strip .item', (items) => items.map((i) => Number(i.dataset.page)));
	const before = await order();
	check(before.length === 4, `the viewer shows ${before.length} pages, not 4`);
	await page.locator('#strip .item').nth(2).locator('a.thumb').click();
	await page.locator('#page-where', { hasText: 'Page 3 of 4' }).waitFor();
	await page.waitForFunction(() => {
		const i = document.getElementById('page-image');
		return i.complete && i.naturalWidth > 0;
	});
	/* how light a page's thumbnail looks (mean grey 0..1): the rescan sheet is a signature
	 * on an empty page, much lighter than the text page it replaces */
	const lightness = (number) => page.locator(`#strip .item[data-page="${number}"] img`).evaluate((img) => {
		if (!img.complete || !img.naturalWidth) return -1;
		const c = document.createElement('canvas');
		c.width = img.naturalWidth;
		c.height = img.naturalHeight;
		const g = c.getContext('2d');
		g.drawImage(img, 0, 0);
		const d = g.getImageData(0, 0, c.width, c.height).data;
		let sum = 0;
		for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
		return sum / (d.length / 4) / 255;
	}).catch(() => -1);
	const oldLight = await lightness(before[2]);
	check(oldLight > 0, 'the thumbnail of page 3 is not shown');
	load(['rescan-3.png']);
	await page.locator('body').press('r');
	await expectMessage(/it replaces page 3/, 'info');
	const t0 = Date.now();
	let newLight;
	while ((newLight = await lightness(before[2])) < oldLight + 0.03) {
		check(Date.now() - t0 < T, `page 3 still shows the old sheet after its rescan (lightness ${oldLight.toFixed(3)} -> ${newLight.toFixed(3)})`);
		await page.waitForTimeout(250);
	}
	check((await order()).length === 4, 'the rescan changed the number of pages');
	await page.locator('#page-where', { hasText: 'Page 3 of 4' }).waitFor();
	await shot('06-viewer-rescanned');
	await page.waitForFunction(() => {
		const i = document.getElementById('page-image');
		return i.complete && i.naturalWidth > 0;
	});
	console.log(`figure: page 3 rescanned in place in ${((Date.now() - t0) / 1000).toFixed(1)} s: its thumbnail went from ${oldLight.toFixed(3)} to ${newLight.toFixed(3)} light (the signature sheet), still 4 pages`);

	// ---- reorder: mouse drag, touch drag, keyboard ----
	step = 'reorder';
	async function gripCenter(number) {
		const b = await page.locator(`#strip .item[data-page="${number}"] .grip`).boundingBox();
		return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
	}
	async function itemTop(i) {
		const b = await page.locator('#strip .item').nth(i).boundingBox();
		return b.y + 8;
	}
	const waitOrder = async (want, what) => {
		const t1 = Date.now();
		while (JSON.stringify(await order()) !== JSON.stringify(want)) {
			check(Date.now() - t1 < T, `${what}: pages in order ${(await order()).join(',')}, not ${want.join(',')}`);
			await page.waitForTimeout(100);
		}
	};
	// mouse: the last page dragged above the first
	let from = await gripCenter(before[3]);
	await page.mouse.move(from.x, from.y);
	await page.mouse.down();
	const top = await itemTop(0);
	for (let i = 1; i <= 10; i++) await page.mouse.move(from.x, from.y + ((top - from.y) * i) / 10);
	await page.mouse.up();
	let want = [before[3], before[0], before[1], before[2]];
	await waitOrder(want, 'mouse drag');
	// touch: the page now second dragged to the end, with a finger (touch events)
	const cdp = await context.newCDPSession(page);
	from = await gripCenter(want[1]);
	const end = (await page.locator('#strip .item').nth(3).boundingBox());
	const toY = end.y + end.height - 4;
	const touch = (type, y) => cdp.send('Input.dispatchTouchEvent', {
		type, touchPoints: type === 'touchEnd' ? [] : [{ x: from.x, y, id: 1 }],
	});
	await touch('touchStart', from.y);
	for (let i = 1; i <= 10; i++) await touch('touchMove', from.y + ((toY - from.y) * i) / 10);
	await touch('touchEnd');
	want = [want[0], want[2], want[3], want[1]];
	await waitOrder(want, 'touch drag');
	// keyboard: the moved page (now the current one) one place earlier with "["; first the
	// screen must have caught up with the drag (the moved page shown as the current one)
	const t2 = Date.now();
	while (await page.locator('#strip .item').filter({ has: page.locator('.thumb.current') })
		.getAttribute('data-page').catch(() => null) !== String(want[3])) {
		check(Date.now() - t2 < T, `after the touch drag, page ${want[3]} is not the current one`);
		await page.waitForTimeout(100);
	}
	await page.locator('body').press('[');
	want = [want[0], want[1], want[3], want[2]];
	await waitOrder(want, 'move earlier');
	await page.reload();
	await page.locator('#strip .item').first().waitFor();
	await waitOrder(want, 'after a reload');
	await shot('07-viewer-reordered');
	await setLang('ar');
	await page.locator('#page-where', { hasText: 'الصفحة' }).waitFor();
	await shot('07-viewer-ar');
	await setLang('en');
	console.log(`figure: reordered by mouse drag, touch drag and keyboard: ${before.join(',')} -> ${want.join(',')}, kept after a reload`);

	// ---- the clerk cannot approve; the supervisor does ----
	step = 'approve';
	await page.goto(`${base}/#/review/${batch}`);
	await page.locator('#review-summary').waitFor();
	check(await page.locator('[data-action=approve]').isDisabled(), 'a clerk is offered Approve');
	await page.locator('#review-role', { hasText: 'Only a supervisor' }).waitFor();
	await shot('08-review-clerk');
	await page.locator('#signout').click();
	await page.locator('#user').waitFor();
	await page.goto(`${base}/#/review/${batch}`);
	await page.locator('#user').waitFor(); /* signed out: the screen asks to sign in first */
	await signIn(sup, supPass);
	await page.waitForURL(new RegExp(`#/review/${batch}$`));
	check(await page.evaluate(() => document.documentElement.lang) === 'fr', 'the supervisor\'s language (French) was not applied');
	const summary = await page.locator('#review-counts').innerText();
	check(/^4 pages /.test(summary), `the summary does not say 4 pages: ${summary}`);
	check((await page.locator('#review-docs').innerText()).includes(VALID_APPLICATION), 'the summary lacks the application number');
	await shot('09-review-supervisor');
	// approval waits for the text (OCR on foliod's cycle): the supervisor sees the pages
	// still being read among the unresolved items, and approves once they are read
	const t3 = Date.now();
	for (;;) {
		const text = await page.evaluate(async (n) => {
			const r = await fetch(`/api/batches/${n}`);
			return (await r.json()).summary.text;
		}, batch);
		if (text && text.waiting === 0) break;
		check(Date.now() - t3 < 4 * T, `OCR still waits for ${text && text.waiting} pages of batch ${batch}`);
		await page.waitForTimeout(500);
	}
	await page.reload();
	await page.locator('#review-summary').waitFor();
	// meanwhile a clerk asks for a second look at page 1 (after the screen was drawn): the
	// approval of what was shown is refused, in French, and the reloaded list names the flag
	// in French
	const flagged = await page.evaluate(async (n) => {
		await Folio.api('POST', `/api/batches/${n}/pages/1/flags`, { set: ['check'] });
		return 1;
	}, batch);
	await page.locator('[data-action=approve]').click();
	await expectMessage(new RegExp(`le lot ${batch} a changé après votre vérification`), 'error');
	const refusalText = await messages().last().innerText();
	check(!/changed after it was reviewed/.test(refusalText), `the refusal is in English on a French screen: ${refusalText}`);
	await shot('09-review-refused-fr');
	await page.reload();
	await page.locator('#review-flags').waitFor();
	const flagsText = await page.locator('#review-flags').innerText();
	check(flagsText.includes(`page ${flagged} : à revoir`), `the flagged page is not listed with its French flag name: ${flagsText}`);
	check(!/\b(check|low_confidence)\b/.test(flagsText), `flag names in English on a French screen: ${flagsText}`);
	await shot('09-review-flags-fr');
	console.log(`figure: French screens: refusal "${refusalText.replace(/\s+/g, ' ').replace(/×$/, '')}", flags "${flagsText.split('\n').slice(1, 3).join('; ')}"`);
	await page.locator('[data-action=approve]').click();
	await page.waitForURL(/#\/queue$/);
	await expectMessage(new RegExp(`Lot ${batch} approuvé`), 'ok');
	const row = page.locator(`#waiting tr[data-batch="${batch}"], #deliveries tr[data-batch="${batch}"]`);
	await row.first().waitFor();
	const rowText = await row.first().innerText();
	await shot('10-queue');
	console.log(`figure: supervisor (French) approved batch ${batch}; queue shows it: ${rowText.replace(/\s+/g, ' ')}`);

	// ---- dossier search ----
	step = 'search';
	await page.locator('#nav a[href="#/search"]').click();
	await page.locator('#s-application').fill(VALID_APPLICATION.slice(0, 6));
	await page.locator('form[role=search] button[type=submit]').click();
	await page.locator('#search-results tbody tr').first().waitFor();
	check((await page.locator('#search-results').innerText()).includes(VALID_APPLICATION), 'the search does not find the document');
	await shot('11-search');
	// By the words of the recognised text: every text page has the form's title.
	await page.locator('#s-application').fill('');
	await page.locator('#s-text').fill('patent');
	await page.locator('form[role=search] button[type=submit]').click();
	await page.locator('#search-pages tbody tr').first().waitFor();
	check(/PATENT/i.test(await page.locator('#search-pages').innerText()), 'the search by words shows no text around the word');
	await shot('12-search-words');

	check(jsErrors.length === 0, `errors in the page's scripts: ${jsErrors.join('; ')}`);
	check(failed.length === 0, `server errors: ${failed.join('; ')}`);
	await browser.close();
	console.log(`figure: ${saved.length} screenshots in ${shots}: ${saved.join(' ')}`);
	console.log(`figure: whole scenario ${((Date.now() - started) / 1000).toFixed(1)} s in the browser`);
}

let lastPage = null; /* for a screenshot of the screen that failed */
main().catch(async (e) => {
	console.log(`FAIL: ${step}: ${e.message.split('\n')[0]}`);
	if (lastPage) {
		const text = await lastPage.locator('body').innerText().catch(() => '');
		console.log('--- the screen said:\n' + text.slice(0, 1500));
		await lastPage.screenshot({ path: path.join(shots, 'failed.png') }).catch(() => {});
	}
	if (process.env.FOLIO_E2E_DEBUG) console.log(e.stack);
	process.exit(1);
});
