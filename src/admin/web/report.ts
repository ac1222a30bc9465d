/**
 * How a page tells the frame about its requests: a failure is shown in the
 * error line under the navigation, and a later request of the same page that
 * succeeds clears it, so an error stays on screen only while it is current.
 */
export type Report = {
  failed(err: unknown): void;
  succeeded(): void;
};
