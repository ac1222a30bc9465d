/** The CentrifugoProxy methods a test backend answers. */
export type ProxyMethod =
  | "Connect"
  | "Refresh"
  | "Subscribe"
  | "Publish"
  | "RPC"
  | "SubRefresh"
  | "SubscribeUnidirectional"
  | "SubscribeBidirectional"
  | "MapPublish"
  | "MapRemove"
  | "SharedPollRefresh";

type Json = Record<string, unknown>;

/** What a backend stream can do: send messages (Centrifugo JSON form), end, fail; and see the client's side. */
export interface StreamIO {
  send(message: Json): void;
  end(): void;
  fail(): void;
  /** Requests after the first (bidirectional streams: client publications), in order. */
  readonly received: Json[];
  /** Resolves when rotor cancels the stream. */
  readonly cancelled: Promise<void>;
}

/**
 * How a backend answers one call: a response in Centrifugo's JSON form, no
 * answer at all (until rotor gives up), a body that does not decode, or — for
 * subscribe streams — a function driving the stream.
 */
export type Answer =
  | { readonly answer: Json; readonly delayMs?: number }
  | { readonly hang: true }
  | { readonly malformed: true }
  /** HTTP backends only: an empty answer with this status. */
  | { readonly status: number }
  | { readonly stream: (io: StreamIO) => void };

export type Behaviour = Answer | ((request: Json) => Answer);

/** One call a backend received. */
export interface RecordedCall {
  readonly method: ProxyMethod;
  readonly caseName: string;
  readonly request: Json;
  /** Lower-case header (or metadata) names → values. */
  readonly headers: Readonly<Record<string, string>>;
  /** Resolves when rotor aborts the call (timeouts, cancelled streams). */
  readonly aborted: Promise<void>;
}

/** The header that names the test case; clients send it as an emulated header, every proxy forwards it. */
export const caseHeader = "x-case";

/**
 * The behaviour shared by the HTTP, gRPC and Connect test backends: answers
 * by case (the `x-case` header) and method, and a record of every call, so
 * one table of cases runs unchanged over each transport. A case without an
 * answer for a method gets `{"result": {"user": <case>}}` for connect, an
 * expiry an hour on for refresh, and `{"result": {}}` otherwise.
 */
export class Script {
  readonly calls: RecordedCall[] = [];
  private readonly cases = new Map<string, Partial<Record<ProxyMethod, Behaviour>>>();
  private readonly waiters: { match: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }[] =
    [];

  define(caseName: string, behaviours: Partial<Record<ProxyMethod, Behaviour>>): void {
    this.cases.set(caseName, behaviours);
  }

  /** The answer before reading the request: only what a case fixes regardless of it (malformed bodies). */
  fixedAnswer(method: ProxyMethod, caseName: string): Answer | undefined {
    const b = this.cases.get(caseName)?.[method];
    return typeof b === "function" ? undefined : b;
  }

  answer(call: RecordedCall): Answer {
    this.calls.push(call);
    for (const w of [...this.waiters]) {
      if (!w.match(call)) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(call);
    }
    const b = this.cases.get(call.caseName)?.[call.method];
    if (typeof b === "function") return b(call.request);
    if (b) return b;
    if (call.method === "Connect") return { answer: { result: { user: call.caseName } } };
    if (call.method === "Refresh")
      return { answer: { result: { expire_at: Math.floor(Date.now() / 1000) + 3600 } } };
    return { answer: { result: {} } };
  }

  /** Resolves with the first call (past or future) that matches. */
  waitForCall(match: (c: RecordedCall) => boolean, timeoutMs = 15_000): Promise<RecordedCall> {
    const seen = this.calls.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (c: RecordedCall) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error("timed out waiting for a proxy call"));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
