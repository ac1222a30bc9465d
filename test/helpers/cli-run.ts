import { runCli } from "../../src/cli/run-cli.js";

/** What one in-process `rotor` command printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a `rotor` command in this process, as the `rotor` binary would, with
 * only the given environment: fast enough to test every command and flag.
 */
export async function runRotor(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}
