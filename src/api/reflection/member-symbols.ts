import type {
  DescEnum,
  DescExtension,
  DescFile,
  DescMessage,
  DescService,
  Registry,
} from "@bufbuild/protobuf";

function qualified(scope: string, name: string): string {
  return scope ? `${scope}.${name}` : name;
}

/** A message's fields and oneofs, and the synthetic entry messages of its map fields with their fields. */
function messageMembers(message: DescMessage): string[] {
  const names = [...message.fields, ...message.oneofs].map((m) => qualified(message.typeName, m.name));
  for (const field of message.fields) {
    if (field.fieldKind !== "map") continue;
    const entry = field.proto.typeName.replace(/^\./, "");
    names.push(entry, `${entry}.key`, `${entry}.value`);
  }
  return names;
}

function membersOf(type: DescMessage | DescEnum | DescExtension | DescService): string[] {
  switch (type.kind) {
    case "service":
      return type.methods.map((method) => qualified(type.typeName, method.name));
    case "message":
      return messageMembers(type);
    case "enum": {
      const scope = type.parent?.typeName ?? type.file.proto.package;
      return type.values.map((value) => qualified(scope, value.name));
    }
    case "extension":
      return [];
  }
}

/**
 * The fully-qualified names the registry does not index itself, mapped to
 * their file: service methods, message fields and oneofs, map entry messages
 * (protobuf-es hides them), and enum values (which protobuf scopes beside their
 * enum, not inside it). Reflection clients such as grpcurl ask for any of them
 * with `file_containing_symbol`.
 */
export function memberSymbols(registry: Registry): Map<string, DescFile> {
  const members = new Map<string, DescFile>();
  for (const type of registry) {
    for (const name of membersOf(type)) members.set(name, type.file);
  }
  return members;
}
