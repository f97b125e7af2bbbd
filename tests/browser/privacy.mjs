// privacy.mjs — no public page shows a reporter's contact details: a
// report made on the public pages with a phone number, and one made by a
// logged-in citizen with name and phone, are looked up by number on the
// public pages, and neither the page nor anything the browser received
// there holds the name or the phone. The operator, who takes reports in,
// does see them (so they were stored); a leader does not.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useServerAndBrowser, newPage, login, tokenFor, api, pointIn} from './lib.mjs';

const it = useServerAndBrowser();

// A public page that keeps the text of every response it receives.
async function watchedPage() {
  const page = await newPage(it.browser, {viewport: {width: 390, height: 844}, isMobile: true});
  page.received = [];
  page.on('response', async (r) => {
    try {
      page.received.push(r.url() + '\n' + (await r.text()));
    } catch {
      /* bodies of redirects and the like */
    }
  });
  return page;
}

function assertNowhere(page, secrets, what) {
  return (async () => {
    const text = await page.evaluate(() => document.body.innerText + document.body.innerHTML);
    for (const s of secrets) {
      assert.ok(!text.includes(s), `${what}: the page shows '${s}'`);
      for (const r of page.received) assert.ok(!r.includes(s), `${what}: received '${s}' in ${r.split('\n')[0]}`);
    }
  })();
}

test('public pages never show the reporter\'s name or phone', async () => {
  const at = await pointIn(it.srv, '410104002001');
  // on the public pages, with a phone
  const pub = await watchedPage();
  await pub.goto(it.srv.base + '/public#/report');
  await pub.selectOption('#cat-major', 'matter:06');
  await pub.selectOption('#cat-minor', 'gb47678:matter:06010');
  await pub.context().grantPermissions(['geolocation']);
  await pub.context().setGeolocation({latitude: at.lat, longitude: at.lon});
  await pub.click('#gps');
  await pub.waitForSelector('#place-text.good');
  await pub.fill('#description', '井盖缺失，夜间危险');
  await pub.fill('#phone', '13912345678');
  await pub.click('form.report button[type=submit]');
  await pub.waitForSelector('#new-no');
  const no1 = (await pub.textContent('#new-no')).trim();
  // by a logged-in citizen, with name and phone
  const citizen = await tokenFor(it.srv, 'citizen');
  const at2 = await pointIn(it.srv, '410104002002');
  const c2 = await api(it.srv, citizen, '/api/v1/cases', {scheme: 'gb47678', kind: 'matter', code: '06041',
                                                       lat: at2.lat, lon: at2.lon, description: '垃圾未分类',
                                                       reporter_name: '钱先生', reporter_phone: '13698765432'});
  const secrets = ['13912345678', '13698765432', '钱先生'];
  for (const no of [no1, c2.no]) {
    await pub.goto(it.srv.base + '/public#/lookup/' + no);
    await pub.waitForSelector(`article.case[data-no="${no}"]`);
    await assertNowhere(pub, secrets, 'lookup ' + no);
  }
  await pub.goto(it.srv.base + '/public#/mine');
  await pub.waitForSelector('.case-row');
  await assertNowhere(pub, secrets, 'my reports');
  assert.deepEqual(pub.errors, []);

  // the operator sees them; a leader does not
  const op = await newPage(it.browser);
  await login(op, it.srv, 'operator');
  await op.goto(it.srv.base + '/#/case/' + no1);
  await op.waitForSelector('dd.reporter');
  assert.match(await op.textContent('dd.reporter'), /13912345678/);
  const lead = await newPage(it.browser);
  await login(lead, it.srv, 'leader');
  await lead.goto(it.srv.base + '/#/case/' + c2.no);
  await lead.waitForSelector(`article.case[data-no="${c2.no}"]`);
  assert.equal(await lead.$('dd.reporter'), null);
  assert.ok(!(await lead.textContent('main')).includes('13698765432'));
  // and without an account, the staff API is closed
  const r = await fetch(it.srv.base + '/api/v1/cases/' + no1);
  assert.equal(r.status, 401);
});
