import { Queue, Worker, type Job, type JobsOptions as BullJobOptions } from 'bullmq';
import type { Logger } from './logger';
import { inBackground } from './request-scope';
import { closeRedis, createRedis, type Redis } from './redis';

export type { Job };
export type JobHandler = (job: Job) => Promise<unknown>;

export interface CreateJobsOptions {
  redisUrl: string;
  /** REDIS_PREFIX; BullMQ's keys go under `<prefix>bull` (it takes its own prefix, never ioredis keyPrefix). */
  prefix: string;
  /** One queue per subgraph. */
  queue: string;
  logger: Logger;
  /** Overrides of the default job options below. */
  defaults?: BullJobOptions;
}

/** Retries with backoff (1 s, 2 s, 4 s, 8 s); completed jobs pruned, failed ones kept for inspection. */
export const DEFAULT_JOB_OPTIONS: BullJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: false,
};

export interface Jobs {
  readonly queue: Queue;
  add(name: string, data: unknown, opts?: BullJobOptions): Promise<Job>;
  /**
   * Start a worker for this queue. Handlers are shared by every worker of this instance (a
   * worker takes any job of the queue), so register all names before jobs can arrive.
   */
  process(handlers: Record<string, JobHandler>, concurrency?: number): Worker;
  /**
   * Run `name` every `everyMs`: a job scheduler keyed by the name, so however many replicas
   * register it, each tick produces one job, run by one worker.
   */
  repeat(name: string, everyMs: number, data?: unknown): Promise<void>;
  /** Workers first (they finish their active jobs), then the queue, then the connections. */
  close(): Promise<void>;
}

export function createJobs(options: CreateJobsOptions): Jobs {
  const { logger } = options;
  const bullPrefix = `${options.prefix}bull`;
  const connections: Redis[] = [];
  const connect = (blocking: boolean) => {
    // Workers block on Redis: BullMQ needs them to retry forever rather than fail a command.
    const redis = createRedis(options.redisUrl, logger, blocking ? { maxRetriesPerRequest: null } : {});
    connections.push(redis);
    return redis;
  };
  const queue = new Queue(options.queue, {
    connection: connect(false),
    prefix: bullPrefix,
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...options.defaults },
  });
  queue.on('error', (err) => logger.warn({ err, queue: options.queue }, 'job queue error'));
  const handlers: Record<string, JobHandler> = {};
  const workers: Worker[] = [];
  let closing: Promise<void> | undefined;

  return {
    queue,
    add: (name, data, opts) => queue.add(name, data, opts),
    process(more, concurrency = 1) {
      if (closing) throw new Error(`job queue ${options.queue} is closed`);
      Object.assign(handlers, more);
      const worker = new Worker(
        options.queue,
        async (job: Job) => {
          const handler = handlers[job.name];
          if (!handler) throw new Error(`no handler for job ${job.name}`);
          return inBackground(`job ${job.name}`, () => handler(job));
        },
        { connection: connect(true), prefix: bullPrefix, concurrency },
      );
      worker.on('error', (err) => logger.warn({ err, queue: options.queue }, 'job worker error'));
      worker.on('failed', (job, err) => {
        if (!job) return;
        const final = job.attemptsMade >= (job.opts.attempts ?? 1);
        const line = { err, queue: options.queue, job: job.name, jobId: job.id, attempts: job.attemptsMade };
        if (final) logger.error(line, 'job failed; kept in the failed set');
        else logger.warn(line, 'job failed; will retry');
      });
      workers.push(worker);
      return worker;
    },
    async repeat(name, everyMs, data = {}) {
      // One attempt: the next tick is the retry. Failures are kept, but only the last 1000: a
      // schedule failing every minute must not grow Redis forever.
      await queue.upsertJobScheduler(
        name,
        { every: everyMs },
        { name, data, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 } },
      );
    },
    close() {
      closing ??= (async () => {
        await Promise.all(workers.map((w) => w.close().catch((err: unknown) => logger.warn({ err }, 'job worker did not close cleanly'))));
        await queue.close().catch((err: unknown) => logger.warn({ err }, 'job queue did not close cleanly'));
        await Promise.all(connections.map((redis) => closeRedis(redis)));
      })();
      return closing;
    },
  };
}
