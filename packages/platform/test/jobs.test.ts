import { randomBytes } from 'node:crypto';
import { createJobs, createRedis, type Job, type Jobs } from '../src';
import { eventually, logger, REDIS_URL, sleep } from './events-fixture';

const prefix = `test:${randomBytes(5).toString('hex')}:`;
const opened: Jobs[] = [];

const jobsFor = (queue: string) => {
  const jobs = createJobs({ redisUrl: REDIS_URL, prefix, queue, logger });
  opened.push(jobs);
  return jobs;
};

afterEach(async () => {
  await Promise.all(opened.splice(0).map((j) => j.close()));
});
afterAll(async () => {
  const redis = createRedis(REDIS_URL, logger);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

test('jobs get the default retry policy and live under the prefix BullMQ is given', async () => {
  const jobs = jobsFor('defaults');
  const job = await jobs.add('noop', { a: 1 });
  expect(job.opts).toMatchObject({
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: 1000,
    removeOnFail: false,
  });
  const redis = createRedis(REDIS_URL, logger);
  try {
    expect(await redis.exists(`${prefix}bull:defaults:${job.id}`)).toBe(1);
  } finally {
    await redis.quit();
  }
});

test('a failing job is retried with exponential backoff and kept in the failed set after its last attempt', async () => {
  const jobs = jobsFor('flaky');
  const attempts: number[] = [];
  jobs.process({
    flaky: async () => {
      attempts.push(Date.now());
      throw new Error('provider down');
    },
  });
  const added = await jobs.add('flaky', { x: 1 }, { attempts: 3, backoff: { type: 'exponential', delay: 200 } });

  await eventually(
    () => jobs.queue.getJobState(added.id!),
    (state) => state === 'failed',
    10_000,
  );
  expect(attempts).toHaveLength(3);
  // 200 ms, then 400 ms (a little scheduling slack below).
  expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(180);
  expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(380);
  const failed = (await jobs.queue.getJob(added.id!))!;
  expect(failed.attemptsMade).toBe(3);
  expect(failed.failedReason).toBe('provider down');
  expect(await jobs.queue.getFailedCount()).toBe(1);
  await sleep(500);
  expect(attempts).toHaveLength(3);
});

test('a job reports its progress and its result', async () => {
  const jobs = jobsFor('export');
  const seen: unknown[] = [];
  const worker = jobs.process({
    export: async (job: Job) => {
      await job.updateProgress(40);
      await job.updateProgress(100);
      return { rows: (job.data as { rows: number }).rows };
    },
  });
  worker.on('progress', (_job, progress) => seen.push(progress));
  const added = await jobs.add('export', { rows: 12 });

  await eventually(
    () => jobs.queue.getJobState(added.id!),
    (state) => state === 'completed',
  );
  const done = (await jobs.queue.getJob(added.id!))!;
  expect(done.progress).toBe(100);
  expect(done.returnvalue).toEqual({ rows: 12 });
  expect(seen).toEqual([40, 100]);
});

test('a job without a handler fails instead of vanishing', async () => {
  const jobs = jobsFor('unknown');
  jobs.process({ known: async () => 'ok' });
  const added = await jobs.add('unknown', {}, { attempts: 1 });
  await eventually(
    () => jobs.queue.getJobState(added.id!),
    (state) => state === 'failed',
  );
  expect((await jobs.queue.getJob(added.id!))!.failedReason).toBe('no handler for job unknown');
});

test('a schedule registered by two replicas runs once per tick, not twice', async () => {
  const runs: Array<{ id: string; by: string }> = [];
  const replicas = ['a', 'b'].map((name) => {
    const jobs = jobsFor('maintenance');
    jobs.process({ tick: async (job: Job) => void runs.push({ id: job.id!, by: name }) });
    return jobs;
  });
  const started = Date.now();
  await Promise.all(replicas.map((jobs) => jobs.repeat('tick', 400)));
  expect(await replicas[0]!.queue.getJobSchedulersCount()).toBe(1);

  await sleep(2500);
  const elapsed = Date.now() - started;
  expect(runs.length).toBeGreaterThanOrEqual(3);
  expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / 400) + 1);
  // One job per tick of the schedule (its id names the tick), each run by one worker only.
  expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
  const ticks = runs.map((r) => Number(r.id.split(':').pop())).sort((x, y) => x - y);
  for (let i = 1; i < ticks.length; i++) {
    expect(ticks[i]! - ticks[i - 1]!).toBeGreaterThan(0);
    expect((ticks[i]! - ticks[i - 1]!) % 400).toBe(0);
  }
});
