/** `--port N` from a baseline server's command line. */
export function portArg(): number {
  const i = process.argv.indexOf("--port");
  const port = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  if (!Number.isInteger(port) || port <= 0) throw new Error("usage: <server> --port N");
  return port;
}

/** The whole body of a request, as one buffer. */
export async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}
