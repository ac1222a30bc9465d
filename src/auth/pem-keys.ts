import { type CryptoKey, importSPKI, importX509 } from "jose";
import { familyAlgorithms } from "./algorithms.js";

/** jose refuses RSA keys below this size at verification time; better to say so at start-up. */
const minRsaBits = 2048;

function modulusLength(key: CryptoKey): number | undefined {
  const algorithm = key.algorithm;
  return "modulusLength" in algorithm && typeof algorithm.modulusLength === "number"
    ? algorithm.modulusLength
    : undefined;
}

/**
 * Imports a configured public key (PEM: SPKI `PUBLIC KEY` or an X.509
 * `CERTIFICATE`, the two forms Centrifugo reads) once for every algorithm of
 * its family that it can serve. WebCrypto binds a key to one algorithm, and an
 * EC key fits only the `ES*` of its curve, so the result maps alg → key; an
 * algorithm missing from it is one this key cannot verify.
 */
export async function importPemKeys(
  pem: string,
  family: "rsa" | "ecdsa",
  where: string,
): Promise<{ keys: ReadonlyMap<string, CryptoKey> } | { error: string }> {
  const read = pem.includes("-----BEGIN CERTIFICATE-----") ? importX509 : importSPKI;
  const keys = new Map<string, CryptoKey>();
  let lastError = "";
  for (const alg of familyAlgorithms(family)) {
    try {
      keys.set(alg, await read(pem, alg));
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  const kind = family === "rsa" ? "an RSA" : "an ECDSA";
  if (keys.size === 0) {
    return { error: `${where}: not ${kind} public key in PEM (SPKI or certificate): ${lastError}` };
  }
  const bits = modulusLength(keys.values().next().value!);
  if (bits !== undefined && bits < minRsaBits) {
    return { error: `${where}: RSA key has ${bits} bits, at least ${minRsaBits} are required` };
  }
  return { keys };
}
