import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { projectRoot } from '../../src/project-root';
import { controllerStatus } from '../../src/temporal/controller-client';
import { freeLoopbackPort } from '../../src/temporal/dev-server';
import { reconcilerDataConverter, zlibEncoding } from '../../src/temporal/payload-codec';
import type { ChangeRunView, ControllerView } from '../../workflows/types';
import { demoCli } from '../support/worker-process';

/**
 * The Web UI of `npm start`, in a real browser: the demo (sandbox/demo/main.ts: Temporal dev server with
 * its Web UI, the GitHub and Kubernetes sandboxes, a worker) runs as a process on free loopback ports and a
 * temporary data directory; the example change is applied with the demo's `change`; once its run is
 * finished, Debian's Chromium, driven by playwright-core, opens the run in the Web UI and finds its summary
 * and details, and finds the run in the workflow list filtered by the ReconcileState search attribute. The
 * run's input and result, which the demo's worker stores compressed (binary/zlib), are shown as readable
 * JSON: the UI decodes them through the worker's codec server (`--ui-codec-endpoint`). Then a change the
 * blast-radius guard holds is approved from the run's page with the UI's "Send an Update".
 *
 * Needs /usr/bin/chromium (Debian's package `chromium`, which .ci/run installs; CHROMIUM_PATH names another
 * binary): without it the test is skipped locally and fails under CI=true. No browser is ever downloaded;
 * playwright-core starts it with a new empty profile of its own, removed when the browser closes.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');
const haveChromium = existsSync(chromiumPath);
/** Flags that work on this machine's closed network (no background connections, no sandbox as root). */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots of the pages the test saw, to look at after a run (`.data/` is not committed). */
const screenshotDir = path.join(projectRoot, '.data', 'ui-test');

const run = haveChromium || inCi ? describe : describe.skip;
if (!haveChromium) {
  process.stderr.write(
    inCi
      ? `web-ui test: ${chromiumPath} is missing; CI must install Debian's chromium (apt-get install -y chromium)\n`
      : `web-ui test skipped: ${chromiumPath} is missing (apt-get install -y chromium); under CI=true it fails\n`,
  );
}

run(
  haveChromium
    ? 'the Web UI of `npm start`'
    : `the Web UI of \`npm start\` (${chromiumPath} missing: skipped locally, a failure when CI=true; apt-get install -y chromium)`,
  () => {
    const timings: Record<string, number> = {};
    let started = Date.now();
    const mark = (step: string): void => {
      timings[step] = Date.now() - started;
    };
    let dataDir = '';
    let dev: ChildProcess | undefined;
    let devExit: string | undefined;
    let devLog = '';
    let temporalPort = 0;
    let uiUrl = '';
    let client: Client | undefined;
    let browser: Browser | undefined;
    /** The finished change run, as the controller reports it. */
    let change: { workflowId: string; from: string; sourceRevision: string; to: string } | undefined;

    /** The dev process's output and the Temporal server's log, for a failure message. */
    const diagnostics = (): string => {
      const temporalLog = path.join(dataDir, 'temporal.log');
      const serverLog = existsSync(temporalLog) ? readFileSync(temporalLog, 'utf8').slice(-4000) : '';
      return `dev process ${devExit ?? 'running'}; its output:\n${devLog.slice(-8000)}\nTemporal log:\n${serverLog}`;
    };

    /** Polls until `check` returns a value; fails with the dev process's output when it does not in time. */
    const waitFor = async <T>(
      what: string,
      timeoutMs: number,
      check: () => Promise<T | undefined>,
    ): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      while (Date.now() < deadline) {
        if (devExit) break;
        try {
          const value = await check();
          if (value !== undefined) return value;
        } catch (err) {
          lastError = err;
        }
        await delay(500);
      }
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${what}: not within ${timeoutMs} ms${cause}\n${diagnostics()}`);
    };

    const status = (): Promise<ControllerView> => controllerStatus(client as Client, 'default');

    beforeAll(async () => {
      started = Date.now();
      if (!haveChromium) {
        throw new Error(
          `${chromiumPath} is missing: CI must install Debian's chromium (apt-get install -y chromium); ` +
            'playwright-core drives it, no browser is downloaded',
        );
      }
      if (!existsSync(demoCli))
        throw new Error(`${demoCli} is missing: Jest's global setup compiles it (npm run build)`);
      dataDir = mkdtempSync(path.join(tmpdir(), 'status-reconciler-ui-'));
      temporalPort = await freeLoopbackPort();
      const uiPort = await freeLoopbackPort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        STATUS_RECONCILER_DATA_DIR: dataDir,
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        GITHUB_SANDBOX_PORT: String(await freeLoopbackPort()),
        KUBERNETES_SANDBOX_PORT: String(await freeLoopbackPort()),
        CODEC_SERVER_PORT: String(await freeLoopbackPort()),
      };
      // The test's own Temporal server (global setup) and any real credentials must not reach the demo.
      for (const name of [
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'GITHUB_TOKEN',
        'GITHUB_APP_ID',
        'KUBECONFIG',
      ])
        delete env[name];
      // Its own process group, so that the Temporal server it starts is stopped with it.
      dev = spawn(
        process.execPath,
        [demoCli, '--health-port=0', '--metrics-port=0', '--temporal-metrics-port=0'],
        { cwd: projectRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const append = (chunk: Buffer): void => {
        devLog = (devLog + chunk.toString()).slice(-100_000);
      };
      dev.stdout?.on('data', append);
      dev.stderr?.on('data', append);
      dev.once('exit', (code, signal) => (devExit = `exited with ${signal ?? code}`));

      const printed = await waitFor(
        'the demo says it is up',
        45_000,
        async () => /status-reconciler demo is up:[\s\S]*Temporal Web UI\s+(http:\/\/\S+)/.exec(devLog)?.[1],
      );
      uiUrl = `http://127.0.0.1:${uiPort}`;
      expect(printed).toBe(uiUrl);
      mark('demo up');
      client = new Client({
        connection: await Connection.connect({ address: `127.0.0.1:${temporalPort}` }),
        namespace: 'default',
        dataConverter: reconcilerDataConverter(),
      });
      const baseline = await waitFor('the controller takes its baseline', 30_000, async () => {
        const view = await status();
        return view.lastReconciled && view.recent[0]?.outcome === 'baseline' ? view : undefined;
      });
      expect(baseline.health.ok).toBe(true);
      mark('baseline taken');
    }, 80_000);

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await client?.connection.close().catch(() => undefined);
      const pid = dev?.pid;
      if (dev && pid && !devExit) {
        const exited = new Promise<void>((resolve) => dev?.once('exit', () => resolve()));
        process.kill(-pid, 'SIGTERM');
        await Promise.race([exited, delay(10_000)]);
      }
      // Whatever of the group is left (the Temporal server if `dev` died without stopping it).
      if (pid) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      process.stderr.write(`web-ui test timings (ms since start): ${JSON.stringify(timings)}\n`);
    }, 20_000);

    it('reconciles the example change applied with `change rename-retire-add`', async () => {
      const before = await status();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [demoCli, 'change', 'rename-retire-add'],
        {
          cwd: projectRoot,
          env: { ...process.env, STATUS_RECONCILER_DATA_DIR: dataDir },
          timeout: 15_000,
        },
      );
      expect(stdout).toContain(
        `applied rename-retire-add to ${path.join(dataDir, 'demo', 'config', 'jobs')}`,
      );
      const view = await waitFor('the change run finishes', 45_000, async () => {
        const v = await status();
        return v.recent[0]?.workflowId !== before.recent[0]?.workflowId && !v.running ? v : undefined;
      });
      mark('change reconciled');
      const recent = view.recent[0];
      expect(recent?.outcome).toBe('reconciled');
      const from = before.lastReconciled?.revision ?? '';
      const sourceRevision = view.lastReconciled?.sourceRevision ?? '';
      expect(recent?.workflowId).toBe(`status-reconciler/default/change/${from}..${sourceRevision}`);
      change = { workflowId: recent?.workflowId ?? '', from, sourceRevision, to: recent?.to ?? '' };
    }, 60_000);

    it('opens the finished run in the Web UI and shows its summary and details', async () => {
      if (!change) throw new Error('no finished change run (the previous test failed)');
      browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.setDefaultTimeout(20_000);
      const encodedId = encodeURIComponent(change.workflowId);

      // The run's address without a run ID: UI 2.42 resolves the latest run and shows its history.
      const response = await page.goto(`${uiUrl}/namespaces/default/workflows/${encodedId}`);
      expect(response?.ok()).toBe(true);
      await page.waitForURL(
        new RegExp(`/namespaces/default/workflows/${escapeRegExp(encodedId)}/[0-9a-f-]+/history$`),
      );
      await page.getByRole('heading', { name: change.workflowId }).waitFor();
      await page.getByText('Completed', { exact: true }).first().waitFor();
      await page.getByText('reconcileChange', { exact: true }).first().waitFor();
      mark('run page loaded');

      // Summary, details and current details are on the User Metadata tab, each rendered in its own iframe.
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      await page.waitForURL(/\/user-metadata$/);
      const summary = `reconcile ${change.from} → ${change.sourceRevision}`;
      await expectFrameText(page, summary);
      await expectFrameText(page, 'Config change requested by config-watcher: config files changed');
      const details = await expectFrameText(page, `Reconciled ${change.from} → ${change.to}: `);
      expect(details).toMatch(/: \d+ repositories, \d+ ProwJobs created .* \d+ statuses written/);
      await page.getByText('Current Details', { exact: true }).waitFor();
      mark('summary and details seen');
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: path.join(screenshotDir, 'run-user-metadata.png') });
    }, 45_000);

    it("shows the run's input and result as readable JSON, decoded by the worker's codec server", async () => {
      if (!change || !browser)
        throw new Error('no finished change run or no browser (an earlier test failed)');
      // As Temporal stores them: compressed by the worker's payload codec, so only the codec server makes
      // them readable in the UI.
      const history = await (client as Client).workflow.getHandle(change.workflowId).fetchHistory();
      const encoding = (payload: { metadata?: Record<string, Uint8Array> | null } | undefined | null) =>
        Buffer.from(payload?.metadata?.encoding ?? []).toString();
      const started = history.events?.find(
        (e) => e.workflowExecutionStartedEventAttributes,
      )?.workflowExecutionStartedEventAttributes;
      const completed = history.events?.find(
        (e) => e.workflowExecutionCompletedEventAttributes,
      )?.workflowExecutionCompletedEventAttributes;
      expect(encoding(started?.input?.payloads?.[0])).toBe(zlibEncoding);
      expect(encoding(completed?.result?.payloads?.[0])).toBe(zlibEncoding);

      const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
      page.setDefaultTimeout(20_000);
      const decodeRequests: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/decode')) decodeRequests.push(request.headers()['x-namespace'] ?? '');
      });
      await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(change.workflowId)}`);
      await page.getByRole('heading', { name: change.workflowId }).waitFor();
      // The input (the baseline snapshot, its presubmit index as JSON) and the result (the newest snapshot).
      const text = await waitFor('the UI shows the decoded input and result', 20_000, async () => {
        const body = await page.locator('body').innerText();
        return /"presubmitCount":\s*9/.test(body) && new RegExp(`"revision":\\s*"${change?.to}"`).test(body)
          ? body
          : undefined;
      });
      expect(text).toContain('"my-org/my-repo"');
      expect(text).toContain(`"baseline"`);
      expect(text).toMatch(/"kind":\s*"reconciled"/);
      expect(text).not.toContain('H4sI');
      expect(text).not.toContain(zlibEncoding);
      expect(decodeRequests.length).toBeGreaterThan(0);
      expect(decodeRequests.every((namespace) => namespace === 'default')).toBe(true);
      mark('input and result decoded');
      await page.screenshot({ path: path.join(screenshotDir, 'run-input-result.png'), fullPage: true });
    }, 45_000);

    it('lists the run in the workflow list filtered by the ReconcileState search attribute', async () => {
      if (!change || !browser)
        throw new Error('no finished change run or no browser (an earlier test failed)');
      const { workflowId } = change;
      const query = 'ReconcileState="done"';
      // Visibility is updated asynchronously: wait until the server's list has the run, then ask the UI.
      await waitFor('the run is visible to the list query', 15_000, async () => {
        for await (const execution of (client as Client).workflow.list({ query }))
          if (execution.workflowId === workflowId) return true;
        return undefined;
      });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.setDefaultTimeout(20_000);
      const controllerLinks = page.locator(
        'a[href^="/namespaces/default/workflows/status-reconciler%2Fdefault/"]',
      );
      // Unfiltered, the list has the controller too (so its absence below is the filter's doing).
      await page.goto(`${uiUrl}/namespaces/default/workflows`);
      await controllerLinks.first().waitFor();
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      const runLink = page.getByRole('link', { name: workflowId, exact: true });
      await runLink.waitFor();
      expect(await runLink.getAttribute('href')).toMatch(
        new RegExp(
          `^/namespaces/default/workflows/${escapeRegExp(encodeURIComponent(workflowId))}/[0-9a-f-]+/history$`,
        ),
      );
      // The filter is applied: the controller (no ReconcileState) is not listed, the baseline run (done) is.
      await page.getByText('status-reconciler/default/change/baseline..', { exact: false }).first().waitFor();
      expect(await controllerLinks.count()).toBe(0);
      await page.getByText('ReconcileState', { exact: false }).first().waitFor();
      mark('list filtered');
      await page.screenshot({ path: path.join(screenshotDir, 'list-reconcile-state-done.png') });

      // From the list to the run.
      await runLink.click();
      await page.waitForURL(
        new RegExp(`/namespaces/default/workflows/${escapeRegExp(encodeURIComponent(workflowId))}/`),
      );
      await page.getByText('Completed', { exact: true }).first().waitFor();
    }, 40_000);

    it('approves a plan held by the blast-radius guard with the Web UI\'s "Send an Update"', async () => {
      if (!browser) throw new Error('no browser (an earlier test failed)');
      const before = await status();
      // Every presubmit of one repository removed: the guard holds the plan whatever the thresholds.
      await promisify(execFile)(process.execPath, [demoCli, 'change', 'empty-repo'], {
        cwd: projectRoot,
        env: { ...process.env, STATUS_RECONCILER_DATA_DIR: dataDir },
        timeout: 15_000,
      });
      const held = await waitFor('the guard holds the change', 45_000, async () => {
        const running = (await status()).running;
        return running?.held ? running.workflowId : undefined;
      });
      const plan = await (client as Client).workflow.getHandle(held).query<ChangeRunView>('plan');
      mark('change held');

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.setDefaultTimeout(20_000);
      await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(held)}`);
      await page.getByRole('heading', { name: held }).waitFor();
      await page.getByRole('button', { name: 'More Actions' }).filter({ visible: true }).click();
      await page.locator('[data-testid="update-button"]').filter({ visible: true }).click();
      const modal = page.locator('[data-testid="update-confirmation-modal"]').filter({ visible: true });
      // The UI lists the run's registered updates by name.
      await modal.locator('[data-testid="update-select-button"]').click();
      await modal.getByRole('option', { name: 'approve', exact: true }).click();
      const data = modal.getByRole('textbox').last();
      await data.click();
      // Inserted, not typed: the JSON editor would close brackets and quotes as they are typed.
      await page.keyboard.insertText(
        JSON.stringify({
          by: 'web-ui-operator',
          reason: 'the repository moved',
          baselineRevision: plan.baselineRevision,
          newestRevision: plan.newestRevision,
        }),
      );
      // Leaving the editor reformats the JSON and grows the dialog; only then is Submit where it stays.
      await data.blur();
      await waitFor("the UI formats the update's JSON", 10_000, async () =>
        (await data.innerText()).includes('"by": "web-ui-operator"') ? true : undefined,
      );
      await page.screenshot({ path: path.join(screenshotDir, 'approve-update.png') });
      await modal.getByRole('button', { name: 'Submit' }).click();
      await modal.waitFor({ state: 'hidden' });
      mark('approve sent from the UI');

      const view = await waitFor('the approved change finishes', 45_000, async () => {
        const v = await status();
        return v.recent[0]?.workflowId === held && !v.running ? v : undefined;
      });
      expect(view.recent[0]?.outcome).toBe('reconciled');
      expect(view.recent[0]?.workflowId).not.toBe(before.recent[0]?.workflowId);
      const decided = await (client as Client).workflow.getHandle(held).query<ChangeRunView>('plan');
      expect(decided.decision).toMatchObject({
        approved: true,
        by: 'web-ui-operator',
        reason: 'the repository moved',
      });
      mark('approved change reconciled');
    }, 90_000);
  },
);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Waits until one of the page's frames (the UI renders summaries and details in iframes) shows `text`,
 * and returns that frame's whole text.
 */
async function expectFrameText(page: Page, text: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    seen.length = 0;
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const body = await frame
        .locator('body')
        .innerText({ timeout: 1_000 })
        .catch(() => '');
      seen.push(body);
      if (body.includes(text) && (await visible(frame))) return body;
    }
    await delay(250);
  }
  throw new Error(`no frame of ${page.url()} shows "${text}"; frames show: ${JSON.stringify(seen)}`);
}

async function visible(frame: Frame): Promise<boolean> {
  const element = await frame.frameElement().catch(() => undefined);
  return element ? element.isVisible() : false;
}
