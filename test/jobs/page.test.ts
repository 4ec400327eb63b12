// The job page (/jobs) in headless Chromium (Debian's, driven by playwright-core): it asks for the token,
// lists the tenant's jobs, and a running job's loss curve grows from its event stream. Takes a screenshot:
// with GRADD_UPDATE_SCREENSHOT=1 it replaces the one the README shows (docs/job-page.png).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { http, jsonF64, jsonGraph, startServer, type TestServer } from '../server/helpers.js';
import { jsonTensor, MLP_SPECS, mlpData, mlpLoss, waitJob } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const slow = (x: any, n: any) => np.sum(np.square(np.subtract(x, np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x))));
const A = { authorization: 'Bearer tok-a' };
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let s: TestServer, browser: BrowserContext, profile: string;
beforeAll(async () => {
  s = await startServer({ workers: 1, tokens: new Map([['tok-a', 'alice']]) });
  profile = mkdtempSync(join(tmpdir(), 'gradd-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1000, height: 640 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
  rmSync(profile, { recursive: true, force: true });
});

const points = (page: Page, id: string) => page.$eval(`section[data-id="${id}"] polyline`, (p) => (p.getAttribute('points') ?? '').split(' ').filter(Boolean).length);

describe('the job page', () => {
  it('takes the token, lists the jobs, and a running job\'s loss curve grows', async () => {
    const { X, t, w1, w2 } = mlpData();
    const mlp = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(mlpLoss, ...MLP_SPECS) }, A)).body.model.id;
    const done = (await http(s, 'POST', '/v1/jobs', { modelId: mlp, argnums: [0, 1], params: [jsonTensor(w1), jsonTensor(w2)], inputs: [jsonTensor(X), jsonTensor(t)], optimizer: { name: 'adam', hyperparameters: { step_size: 0.02 } }, steps: 1500 }, A)).body.id;
    await waitJob(s, done, A);
    const slowId = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(slow, { dtype: 'float64', shape: [50] }, { dtype: 'int64', shape: [] }) }, A)).body.model.id;
    const running = (await http(s, 'POST', '/v1/jobs', {
      modelId: slowId, params: [jsonF64(Array.from({ length: 50 }, (_, i) => Math.sin(i)), [50])], inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: ['400'] } }],
      optimizer: { name: 'adam', hyperparameters: { step_size: 0.02 } }, steps: 400,
    }, A)).body.id;

    const page = await browser.newPage();
    await page.goto(`${s.url}/jobs`);
    await page.waitForFunction(() => /UNAUTHENTICATED/.test(document.getElementById('status')!.textContent!));
    await page.fill('#token', 'tok-a');
    await page.click('button[type=submit]');
    await page.waitForSelector(`section[data-id="${running}"] polyline`);
    await page.waitForFunction((id) => (document.querySelector(`section[data-id="${id}"] polyline`)!.getAttribute('points') ?? '').split(' ').length > 3, running);
    const first = await points(page, running);
    await page.waitForTimeout(1500);
    const later = await points(page, running);
    expect(later).toBeGreaterThan(first);
    expect(await points(page, done)).toBe(1500);
    expect(await page.textContent(`section[data-id="${done}"] .state`)).toBe('SUCCEEDED');

    // The finished curve has every step; a second tab takes the token from the fragment and drops it from the address.
    await page.waitForFunction((id) => document.querySelector(`section[data-id="${id}"] .state`)!.textContent === 'SUCCEEDED', running, { timeout: 60_000 });
    expect(await points(page, running)).toBe(400);
    const shot = process.env.GRADD_UPDATE_SCREENSHOT ? join(import.meta.dirname, '../../docs/job-page.png') : join(profile, 'job-page.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    const other = await browser.newPage();
    await other.evaluate(() => sessionStorage.clear()).catch(() => undefined);
    await other.goto(`${s.url}/jobs#token=tok-a`);
    await other.waitForSelector(`section[data-id="${running}"]`);
    expect(other.url()).toBe(`${s.url}/jobs`);
  }, 120_000);
});
