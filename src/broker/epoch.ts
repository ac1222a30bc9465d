import { randomInt } from "node:crypto";

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A fresh stream epoch: 8 random ASCII letters, as Centrifugo's memory engine makes. */
export function newEpoch(): string {
  let out = "";
  for (let i = 0; i < 8; i++) out += letters[randomInt(letters.length)];
  return out;
}
