import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './support/cluster.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('chat page in headless Chromium', () => {
  const cluster = new TestCluster();
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await cluster.start(2, 'pubsub');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster.stop();
  });

  const openChat = async (url: string, name: string): Promise<Page> => {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') {
        consoleErrors.push(message.text());
      }
    });
    await page.goto(url);
    await page.getByRole('textbox', { name: 'Your name' }).fill(name);
    await page.getByRole('textbox', { name: 'Room' }).fill('browser-room');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ state: 'visible' });
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).isEnabled()).toBe(true);
    return page;
  };

  it('shows each page its replica and the replica of each message', async () => {
    const alice = await openChat(cluster.servers[0]!.url, 'alice');
    const bob = await openChat(cluster.servers[1]!.url, 'bob');

    expect(await alice.getByTestId('own-replica').textContent()).toBe('replica-1');
    expect(await bob.getByTestId('own-replica').textContent()).toBe('replica-2');

    await alice.getByRole('textbox', { name: 'Message' }).fill('hello from replica one');
    await alice.getByRole('button', { name: 'Send' }).click();

    const received = bob.getByTestId('messages').locator('li').first();
    await received.waitFor({ timeout: 10_000 });
    expect(await received.textContent()).toContain('alice: hello from replica one');
    expect(await received.textContent()).toContain('sent via replica-1, delivered by replica-2');
    expect(consoleErrors).toEqual([]);
  });
});
