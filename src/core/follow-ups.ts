import type { Logger } from './logger.js';
import { PendingWork } from './pending-work.js';

/**
 * How long a follow-up may be held back while platform requests keep arriving.
 * `urgent`: it must reach the platform soon (a Slack modal opened with a `trigger_id`, which
 * Slack accepts for 3 seconds from the click). `normal`: anything else the person waits for
 * (a guide reply, a channel post, the start of a verification). `background`: housekeeping
 * nobody waits for (compacting the file store's journal).
 */
export type FollowUpUrgency = 'urgent' | 'normal' | 'background';

/**
 * The longest each urgency is held back, in milliseconds. Urgent: a third of a trigger id's
 * 3 s, which leaves the rest for the network from Slack to the bot and back. Background:
 * long enough to outlast a burst, short enough that steady traffic cannot put it off for good.
 */
export const FOLLOW_UP_MAX_DELAY_MS: Readonly<Record<FollowUpUrgency, number>> = {
  urgent: 1_000,
  normal: 2_000,
  background: 30_000,
};

/** The gate opens once no request has arrived or been answered for this long. */
const QUIET_MS = 10;

/**
 * Follow-ups running at once, at most, for those the open gate starts: urgent ones count
 * against one such budget, normal and background ones against another, so a slow
 * verification never holds up a modal. One that reaches its longest delay starts regardless.
 * A pause of 10 ms in a burst opens the gate; without a limit, every reply or verification
 * queued during the burst would start in that pause, and their work would then hold up the
 * answers of the burst's next requests.
 */
export const MAX_RUNNING_FOLLOW_UPS = 8;

export interface FollowUpsOptions {
  logger: Logger;
  /** Milliseconds on a monotonic clock; tests pass a fake one. */
  now?: () => number;
  /** Overrides {@link FOLLOW_UP_MAX_DELAY_MS} (tests). */
  maxDelayMs?: Partial<Record<FollowUpUrgency, number>>;
}

/** A follow-up not started yet, with what settles the caller's promise. */
interface Waiting {
  deadline: number;
  kind: 'urgent' | 'other';
  work: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Acknowledgements first: the work a handler starts after answering the platform (opening
 * a modal, posting a reply, running a verification) waits while platform requests are being
 * answered, so a burst of clicks is acknowledged at the pace of a bare app instead of each
 * answer queueing behind the follow-ups of the ones before it.
 *
 * The HTTP server reports each platform request with {@link requestStarted} and
 * {@link requestEnded}. A follow-up starts once no request is in flight and none has arrived
 * or been answered for 10 ms (an answered request is often followed at once by the same
 * client's next one), and in any case after its urgency's longest delay, so steady traffic
 * cannot starve it. A lone click's follow-up thus starts 10 ms after its answer; with no
 * platform traffic at all (the scheduler, a CLI) it starts at once. An open gate starts
 * work only while fewer than {@link MAX_RUNNING_FOLLOW_UPS} jobs of its kind (urgent, or
 * not) run; the rest start as those end, or at their deadline. Every follow-up is tracked:
 * {@link idle} waits for all of them, queued ones included.
 *
 * Note: only the start is held back. Work already running shares the event loop with new
 * requests as before; Node cannot pause it.
 */
export class FollowUps {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #maxDelay: Record<FollowUpUrgency, number>;
  /** Per urgency, in the order queued: deadlines only grow along each queue. */
  readonly #queues: Record<FollowUpUrgency, Waiting[]> = { urgent: [], normal: [], background: [] };
  readonly #unsettled = new PendingWork();
  #inFlight = 0;
  /** Follow-ups started and not yet settled: urgent ones, and the others. */
  #running = { urgent: 0, other: 0 };
  /** When a request last arrived or was answered. */
  #lastActivity = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  constructor(options: FollowUpsOptions) {
    this.#log = options.logger;
    this.#now = options.now ?? (() => performance.now());
    this.#maxDelay = { ...FOLLOW_UP_MAX_DELAY_MS, ...options.maxDelayMs };
  }

  /** A platform request arrived. */
  requestStarted(): void {
    this.#inFlight++;
    this.#lastActivity = this.#now();
  }

  /** A platform request was answered (or its connection closed). */
  requestEnded(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#lastActivity = this.#now();
    this.#arm(this.#lastActivity);
  }

  /** Starts `work` when the gate allows; settles with its outcome. */
  start<T>(urgency: FollowUpUrgency, work: () => Promise<T>): Promise<T> {
    // No closure of its own per follow-up: a burst queues thousands of these, and each one
    // lives until its turn comes.
    const job = new Promise<T>((resolve, reject) => {
      const waiting: Waiting = {
        deadline: 0,
        kind: urgency === 'urgent' ? 'urgent' : 'other',
        work,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      const now = this.#now();
      if (this.waiting === 0 && !this.#busy(now) && this.#hasRoom(urgency)) {
        return this.#begin(waiting);
      }
      waiting.deadline = now + this.#maxDelay[urgency];
      this.#queues[urgency].push(waiting);
      this.#arm(now);
    });
    this.#unsettled.add(job);
    return job;
  }

  #begin(job: Waiting): void {
    this.#running[job.kind]++;
    Promise.resolve()
      .then(job.work)
      .then(
        (value) => {
          job.resolve(value);
          this.#ended(job.kind);
        },
        (err: unknown) => {
          job.reject(err);
          this.#ended(job.kind);
        },
      );
  }

  #ended(kind: Waiting['kind']): void {
    this.#running[kind]--;
    this.#pump();
  }

  /** How many follow-ups wait for the gate. */
  get waiting(): number {
    const { urgent, normal, background } = this.#queues;
    return urgent.length + normal.length + background.length;
  }

  /** Resolves once nothing is queued or running, including work started meanwhile. */
  idle(): Promise<void> {
    return this.#unsettled.idle();
  }

  #busy(now: number): boolean {
    return this.#inFlight > 0 || now - this.#lastActivity < QUIET_MS;
  }

  /** Whether the open gate may start work of this urgency now. */
  #hasRoom(urgency: FollowUpUrgency): boolean {
    return this.#running[urgency === 'urgent' ? 'urgent' : 'other'] < MAX_RUNNING_FOLLOW_UPS;
  }

  /**
   * Starts what may start: what is overdue, and once the gate is open, as much as
   * {@link MAX_RUNNING_FOLLOW_UPS} allows, urgent work first.
   */
  #pump(): void {
    if (this.waiting === 0) return;
    const now = this.#now();
    const free = !this.#busy(now);
    let started = 0;
    // Urgent work first; within an urgency, first come, first served. Deadlines grow along
    // a queue, so the first that may not start holds back the rest of its queue.
    for (const urgency of ['urgent', 'normal', 'background'] as const) {
      const queue = this.#queues[urgency];
      while (queue.length > 0) {
        const overdue = queue[0]!.deadline <= now;
        if (!overdue && !(free && this.#hasRoom(urgency))) break;
        this.#begin(queue.shift()!);
        started++;
      }
    }
    if (started > 0 && !free) {
      this.#log.debug({ started, waiting: this.waiting }, 'follow-ups started at their deadline');
    }
    this.#arm(now);
  }

  /** Wakes the pump when the quiet period would end or the earliest deadline passes. */
  #arm(now: number): void {
    const { urgent, normal, background } = this.#queues;
    if (urgent.length + normal.length + background.length === 0) return;
    // Called on every answered request during a burst: no arrays built here.
    const deadline = Math.min(
      urgent[0]?.deadline ?? Infinity,
      normal[0]?.deadline ?? Infinity,
      background[0]?.deadline ?? Infinity,
    );
    // Once quiet, only urgent work or room to run more is worth waking for; a job that ends
    // makes room and pumps by itself.
    const quietHelps =
      (urgent.length > 0 && this.#hasRoom('urgent')) ||
      (normal.length + background.length > 0 && this.#hasRoom('normal'));
    const at =
      this.#inFlight > 0 || !quietHelps
        ? deadline
        : Math.min(deadline, this.#lastActivity + QUIET_MS);
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        this.#pump();
      },
      Math.max(0, at - now),
    );
  }
}
