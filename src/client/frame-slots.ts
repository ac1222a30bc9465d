/**
 * Layout of a broadcast's FrameCache. Connections share an encoding when they
 * share codec and direction (4 kinds); each kind has slots for a publication in
 * its three payload forms, for a join and for a leave. One slot holds the fossil
 * patch all delta subscribers of the broadcast share.
 */
export function encodingKind(codec: "json" | "protobuf", unidirectional: boolean): number {
  return (codec === "json" ? 0 : 2) + (unidirectional ? 1 : 0);
}

export const publicationSlot = (kind: number, form: number) => kind * 3 + form;
export const patchSlot = 12;
export const joinSlot = (kind: number) => 13 + kind;
export const leaveSlot = (kind: number) => 17 + kind;
