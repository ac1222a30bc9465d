import type { Command } from "ioredis";

/** A command the shared timer watches: ioredis' settled flag and reject, and the time it runs out. */
export type TimedCommand = Pick<Command, "isSettled" | "reject"> & { deadline: number };

/**
 * The command timeout of one connection, with one timer instead of one per
 * command: Redis answers a connection's commands in the order they were
 * sent, so the oldest unanswered command is always the next to time out.
 * Answered commands leave the front as new ones are sent, or when the timer
 * fires; an unanswered one past its deadline is rejected as ioredis' own
 * timer would reject it.
 */
export class CommandTimeouts {
  private commands: (TimedCommand | undefined)[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {}

  add(command: TimedCommand): void {
    this.dropAnswered();
    command.deadline = Date.now() + this.ms;
    this.commands.push(command);
    if (!this.timer) this.arm(this.ms);
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    for (let command = this.front(); command && command.deadline <= now; command = this.front()) {
      if (!command.isSettled) command.reject(new Error("Command timed out"));
      this.commands[this.head++] = undefined;
    }
    const next = this.front();
    if (next) this.arm(next.deadline - now);
  };

  /** The oldest unanswered command, once answered ones are dropped. */
  private front(): TimedCommand | undefined {
    this.dropAnswered();
    return this.commands[this.head];
  }

  private dropAnswered(): void {
    const { commands } = this;
    while (this.head < commands.length && commands[this.head]!.isSettled) commands[this.head++] = undefined;
    if (this.head === commands.length) {
      commands.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > commands.length) {
      this.commands = commands.slice(this.head);
      this.head = 0;
    }
  }

  /** Unref'd: a command waiting for its reply keeps the process up through its socket. */
  private arm(ms: number): void {
    this.timer = setTimeout(this.expire, Math.max(1, ms)).unref();
  }
}
