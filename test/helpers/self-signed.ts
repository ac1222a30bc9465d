import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A throwaway certificate for localhost / 127.0.0.1, on disk for the server and in memory for clients. */
export interface SelfSigned {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate as PEM: the CA a client trusts. */
  readonly ca: string;
  remove(): Promise<void>;
}

/** Makes a one-day self-signed certificate with openssl in a temporary directory. */
export async function selfSigned(): Promise<SelfSigned> {
  const dir = await mkdtemp(join(tmpdir(), "rotor-cert-"));
  const [certFile, keyFile] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  return {
    certFile,
    keyFile,
    ca: await readFile(certFile, "utf8"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
